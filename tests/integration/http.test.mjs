// The HTTP layer under the API: 404 for unknown routes, 405 with Allow, 413
// for oversized bodies, X-Request-Id, the error body and common headers.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, signUp, startServer, UUID_RE,
} from './lib/server.mjs';
import { connect } from './lib/raw.mjs';

const MiB = 1024 * 1024;

let srv;
let anon;
let alice;
before(async () => {
  srv = await startServer();
  anon = api(srv.baseUrl);
  alice = await signUp(srv.baseUrl);
});
after(() => srv?.stop());

describe('routing', () => {
  test('unknown routes are 404 with the JSON error body', async () => {
    // ("/" is the web client: web.test.mjs.)
    for (const path of ['/nope', '/nope.js', '/users/me/extra', '/users/me/', '/rooms/x/y/z', '/actuator',
      '/rooms//messages', '/token/refresh/now', '/USERS/me']) {
      const res = await alice.client.get(path);
      const err = assertError(res, 404, 'not_found');
      assert.match(err.message, /route/);
      assert.deepEqual(Object.keys(res.body).sort(), ['error', 'traceId']);
    }
    assertError(await anon.post('/nope', { a: 1 }), 404, 'not_found');
  });

  test('a known path with the wrong method is 405 with Allow', async () => {
    const cases = [
      ['PUT', '/users', 'POST'],
      ['GET', '/users', 'POST'],
      ['PUT', '/users/me', 'DELETE, GET, PATCH'],
      ['POST', `/users/${alice.id}`, 'GET'],
      ['GET', '/token', 'DELETE, POST'],
      ['GET', '/token/refresh', 'POST'],
      ['DELETE', '/rooms', 'GET, POST'],
      ['POST', `/rooms/${alice.id}`, 'GET, PATCH'],
      ['PUT', `/rooms/${alice.id}/participants`, 'GET, POST'],
      ['GET', `/rooms/${alice.id}/participants/me`, 'DELETE'],
      ['PATCH', `/rooms/${alice.id}/messages`, 'GET, POST'],
      ['PUT', `/rooms/${alice.id}/messages/${alice.id}`, 'DELETE, GET'],
      ['GET', `/rooms/${alice.id}/read`, 'PUT'],
      ['POST', '/actuator/health', 'GET'],
      ['DELETE', '/actuator/prometheus', 'GET'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await alice.client.request(method, path);
      assertError(res, 405, 'method_not_allowed');
      assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
    }
  });

  test('the query string does not affect routing', async () => {
    assertStatus(await anon.get('/actuator/health?verbose=1'), 200);
    assertStatus(await alice.client.get('/users/me?x=y'), 200);
  });

  test('an absolute-form request target is 400', async () => {
    const c = await connect(srv.port);
    await c.send('GET http://example.test/users/me HTTP/1.1\r\nHost: example.test\r\n\r\n');
    const res = await c.response();
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'bad_request');
    c.destroy();
  });
});

describe('X-Request-Id', () => {
  test('a caller\'s id is echoed, on success and in error bodies', async () => {
    const ok = await alice.client.get('/users/me', { headers: { 'x-request-id': 'trace-abc-123' } });
    assertStatus(ok, 200);
    assert.equal(ok.headers.get('x-request-id'), 'trace-abc-123');
    for (const [method, path] of [['GET', '/nope'], ['PUT', '/users'], ['GET', '/rooms']]) {
      const res = await anon.request(method, path, { headers: { 'x-request-id': 'trace-err-9' } });
      assert.equal(res.headers.get('x-request-id'), 'trace-err-9');
      assert.equal(res.body.traceId, 'trace-err-9');
    }
  });

  test('generated (a UUID) when absent, unique per request', async () => {
    const a = await anon.get('/actuator/health');
    const b = await anon.get('/actuator/health');
    assert.match(a.headers.get('x-request-id'), UUID_RE);
    assert.match(b.headers.get('x-request-id'), UUID_RE);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
    const err = await anon.get('/users/me');
    assert.match(err.body.traceId, UUID_RE);
    assert.equal(err.body.traceId, err.headers.get('x-request-id'));
  });

  test('an unusable id (too long, spaces, non-ASCII) is replaced', async () => {
    for (const value of ['x'.repeat(129), 'has space', 'caf\u00e9']) {
      const res = await anon.get('/actuator/health', { headers: { 'x-request-id': value } });
      assert.match(res.headers.get('x-request-id'), UUID_RE, JSON.stringify(value));
    }
    const max = 'y'.repeat(128);
    assert.equal((await anon.get('/actuator/health', { headers: { 'x-request-id': max } })).headers.get('x-request-id'), max);
  });
});

describe('common headers', () => {
  test('JSON answers are not cacheable and not sniffable', async () => {
    for (const res of [await alice.client.get('/users/me'), await anon.get('/nope')]) {
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    }
  });
});

describe('request body limit (1 MiB by default)', () => {
  const oversized = () => {
    const body = Buffer.alloc(MiB + 1024, 'a');
    body.write('{"text":"', 0);
    body.write('"}', body.length - 2);
    return body;
  };

  test('413 for a Content-Length above the limit, before the body is read', async () => {
    const c = await connect(srv.port);
    const body = oversized();
    await c.send(`POST /rooms/${alice.id}/messages HTTP/1.1\r\nHost: x\r\n` +
      `Authorization: Bearer ${alice.accessToken}\r\nContent-Type: application/json\r\n` +
      `X-Request-Id: big-1\r\nContent-Length: ${body.length}\r\n\r\n`);
    const res = await c.response();
    assert.equal(res.status, 413, `got ${JSON.stringify(res).slice(0, 300)}`);
    assert.equal(res.body.error.code, 'payload_too_large');
    assert.equal(res.body.traceId, 'big-1');
    assert.equal(res.headers['x-request-id'], 'big-1');
    assert.equal(res.headers.connection, 'close');
    // Lingering close: the client may go on sending the refused body without
    // the connection being reset under it; then the server closes.
    assert.equal(await c.send(body), true, 'the rest of the body is accepted and discarded');
    c.end();
    await c.closed;
    assert.deepEqual(c.writeErrors.map((e) => e.code), []);
  });

  test('413 for a chunked body that grows above the limit', async () => {
    const c = await connect(srv.port);
    await c.send('POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(256 * 1024, 'a');
    for (let i = 0; i < 5 && !c.socket.destroyed; i++) {
      await c.send(`${chunk.length.toString(16)}\r\n`);
      await c.send(chunk);
      await c.send('\r\n');
    }
    const res = await c.response();
    assert.equal(res.status, 413, `got ${JSON.stringify(res).slice(0, 300)}`);
    assert.equal(res.body.error.code, 'payload_too_large');
    c.end();
    await c.closed;
    assert.deepEqual(c.writeErrors.map((e) => e.code), []);
  });

  test('413 to plain fetch uploads of 2 and 8 MiB, counted in the metrics', async () => {
    const count413 = async () => {
      const text = (await anon.get('/actuator/prometheus')).text;
      const line = text.split('\n').find((l) =>
        l.startsWith('chat_http_requests_total{') && l.includes('route="unmatched"') && l.includes('status="4xx"'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await count413();
    for (const size of [2 * MiB, 8 * MiB]) {
      const res = await alice.client.request('POST', '/users', {
        rawBody: Buffer.alloc(size, 'a'), contentType: 'application/json',
      });
      assertError(res, 413, 'payload_too_large');
    }
    assert.equal(await count413(), before + 2);
  });

  test('a body of exactly the limit is read and validated', async () => {
    const prefix = '{"text":"';
    const body = Buffer.alloc(MiB, 'b');
    body.write(prefix, 0);
    body.write('"}', MiB - 2);
    const room = assertStatus(await alice.client.post('/rooms', { participantIds: [] }), 201);
    const res = await alice.client.request('POST', `/rooms/${room.id}/messages`, {
      rawBody: body, contentType: 'application/json',
    });
    assert.equal(res.status, 400, res.text.slice(0, 200)); // text longer than 10 000 characters
    assert.deepEqual(Object.keys(res.body.error.fields), ['text']);
  });

  test('the server keeps serving after refusing large bodies', async () => {
    assertStatus(await alice.client.get('/users/me'), 200);
  });
});
