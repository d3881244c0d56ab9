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
