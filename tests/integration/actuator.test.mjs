// Actuator endpoints: health (readiness, liveness), info, Prometheus metrics.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, assertStatus, signUp, startServer } from './lib/server.mjs';

let srv;
let anon;
before(async () => {
  srv = await startServer();
  anon = api(srv.baseUrl);
});
after(() => srv?.stop());

/** Parses the Prometheus text format into { name, labels, value } samples. */
function parseMetrics(text) {
  const samples = [];
  const types = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types[name] = type;
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a valid sample line: ${JSON.stringify(line)}`);
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

function sample(metrics, name, labels) {
  return metrics.samples.find((s) => s.name === name &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

async function scrape() {
  const res = await anon.get('/actuator/prometheus');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.text);
}

describe('health', () => {
  test('/actuator/health is UP with the database component, no token needed', async () => {
    const res = await anon.get('/actuator/health');
    assert.deepEqual(assertStatus(res, 200), { status: 'UP', components: { db: { status: 'UP' } } });
    assert.match(res.headers.get('content-type'), /application\/json/);
  });

  test('readiness and liveness probes', async () => {
    assert.equal(assertStatus(await anon.get('/actuator/health/readiness'), 200).status, 'UP');
    assert.deepEqual(assertStatus(await anon.get('/actuator/health/liveness'), 200), { status: 'UP' });
  });
});

describe('info', () => {
  test('/actuator/info names the application and its version', async () => {
    const info = assertStatus(await anon.get('/actuator/info'), 200);
    assert.equal(info.app.name, 'simple-chat');
    assert.match(info.app.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof info.build, 'object');
  });
});

describe('prometheus', () => {
  test('request counters by route and status class, and a latency histogram', async () => {
    for (let i = 0; i < 3; i++) assertStatus(await anon.get('/actuator/info'), 200);
    await anon.get('/no-such-route');
    await anon.get('/users/me'); // 401

    const m = await scrape();
    assert.equal(m.types.chat_http_requests_total, 'counter');
    assert.equal(m.types.chat_http_request_duration_seconds, 'histogram');

    const ok = sample(m, 'chat_http_requests_total', { method: 'GET', route: '/actuator/info', status: '2xx' });
    assert.ok(ok && ok.value >= 3, `GET /actuator/info 2xx counted: ${JSON.stringify(ok)}`);
    const unauth = sample(m, 'chat_http_requests_total', { method: 'GET', route: '/users/me', status: '4xx' });
    assert.ok(unauth && unauth.value >= 1, 'the 401 is counted under its route template');
    const unmatched = m.samples.filter((s) => s.name === 'chat_http_requests_total' &&
      s.labels.route === 'unmatched' && s.labels.status === '4xx');
    assert.ok(unmatched.length === 1 && unmatched[0].value >= 1, 'unknown routes share one series');
    // Routes are labelled by template, never by raw path (bounded cardinality).
    assert.ok(!m.samples.some((s) => s.labels.route === '/no-such-route'));

    const count = sample(m, 'chat_http_request_duration_seconds_count', { method: 'GET', route: '/actuator/info' });
    const inf = sample(m, 'chat_http_request_duration_seconds_bucket', { method: 'GET', route: '/actuator/info', le: '+Inf' });
    const sum = sample(m, 'chat_http_request_duration_seconds_sum', { method: 'GET', route: '/actuator/info' });
    assert.ok(count && count.value >= 3, 'histogram count');
    assert.ok(inf && inf.value === count.value, 'the +Inf bucket equals the count');
    assert.ok(sum && sum.value >= 0 && sum.value < 10 * count.value, 'histogram sum');
    const buckets = m.samples.filter((s) => s.name === 'chat_http_request_duration_seconds_bucket' &&
      s.labels.route === '/actuator/info' && s.labels.method === 'GET');
    assert.ok(buckets.length >= 5, 'several buckets');
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i].value >= buckets[i - 1].value, 'buckets are cumulative');
    }
  });

  test('counters only grow; API traffic and relay events show up', async () => {
    const before = await scrape();
    const u = await signUp(srv.baseUrl);
    const room = assertStatus(await u.client.post('/rooms', { participantIds: [] }), 201);
    assertStatus(await u.client.post(`/rooms/${room.id}/messages`, { text: 'hi' }), 201);
    const afterwards = await scrape();
    const value = (m, labels) => sample(m, 'chat_http_requests_total', labels)?.value ?? 0;
    const created = { method: 'POST', route: '/users', status: '2xx' };
    assert.equal(value(afterwards, created), value(before, created) + 1);
    const posted = { method: 'POST', route: '/rooms/{id}/messages', status: '2xx' };
    assert.equal(value(afterwards, posted), value(before, posted) + 1);
    const relay = (m) => sample(m, 'chat_relay_published_total', {})?.value ?? 0;
    assert.ok(relay(afterwards) >= relay(before) + 1, 'the new message published a relay event');
  });
});
