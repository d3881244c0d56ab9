// Assertions shared by the test files.

import assert from 'node:assert/strict';

/**
 * The response is the API's JSON error: the status, then
 * {"error": {"code", "message", "fields"?}, "traceId"} with the trace id
 * equal to the X-Request-Id header. Returns the error object.
 */
export function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.ok(res.body && typeof res.body === 'object', `error body is JSON: ${res.text}`);
  assert.equal(typeof res.body.error, 'object', `error body has "error": ${res.text}`);
  if (code !== undefined) assert.equal(res.body.error.code, code, res.text);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0);
  assert.equal(typeof res.body.traceId, 'string');
  assert.equal(res.body.traceId, res.headers.get('x-request-id'));
  return res.body.error;
}

/** A 400 validation error naming exactly `fields` (order does not matter). */
export function assertValidation(res, fields) {
  const err = assertError(res, 400, 'validation_failed');
  assert.equal(typeof err.fields, 'object', `validation error lists fields: ${res.text}`);
  assert.deepEqual(Object.keys(err.fields).sort(), [...fields].sort(), res.text);
  for (const f of fields) assert.equal(typeof err.fields[f], 'string');
  return err.fields;
}

/** The status, with the body in the failure message. */
export function assertStatus(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  return res.body;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` (sync or async) every `every` ms until it returns a truthy
 * value, which it resolves with; rejects after `timeout` ms naming `what`
 * and the last value seen (or what `state()` returns). For conditions without
 * an event to wait on.
 */
export async function waitUntil(probe, { timeout = 10_000, every = 50, what = 'the condition', state } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() >= deadline) throw new Error(`${what} not reached within ${timeout} ms (last: ${JSON.stringify(state ? await state() : last)})`);
    await sleep(every);
  }
}

/**
 * The value of one Prometheus series from /actuator/prometheus, e.g.
 * metric(url, 'chat_limit_refusals_total{limit="login_ip"}'); null if absent.
 */
export async function metric(baseUrl, series) {
  const text = await (await fetch(`${baseUrl}/actuator/prometheus`)).text();
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return null;
}
