// Graceful shutdown: on SIGTERM the server stops accepting, finishes the
// request in flight, closes idle keep-alive connections and exits 0.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, assertStatus, sleep, startServer, uniqueEmail } from './lib/server.mjs';
import { connect } from './lib/raw.mjs';

test('SIGTERM while a request is in flight: it is answered, then the process exits 0', async () => {
  const srv = await startServer();
  try {
    assertStatus(await api(srv.baseUrl).get('/actuator/health'), 200);

    // An idle keep-alive connection must not hold the shutdown up.
    const idle = await connect(srv.port);
    await idle.send('GET /actuator/health/liveness HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await idle.response()).status, 200);

    // A sign-up whose body is only half sent when the signal arrives: the
    // server has the request (headers read) but cannot finish it yet.
    const body = JSON.stringify({ email: uniqueEmail(), nickname: 'late', password: 'abcdefg1' });
    const half = Math.floor(body.length / 2);
    const busy = await connect(srv.port);
    await busy.send(`POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `X-Request-Id: in-flight\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`);
    await sleep(300);

    const started = Date.now();
    srv.process.kill('SIGTERM');
    await idle.closed; // idle connections are closed at once
    await sleep(300);

    // No new connections are accepted while draining.
    await assert.rejects(connect(srv.port), /ECONNREFUSED/);
    assert.equal(srv.process.exitCode, null, 'still running while a request is in flight');

    await busy.send(body.slice(half));
    const res = await busy.response();
    assert.equal(res.status, 201, JSON.stringify(res));
    assert.equal(res.headers['x-request-id'], 'in-flight');
    assert.equal(res.headers.connection, 'close', 'the connection is not kept alive while stopping');
    assert.equal(res.body.nickname, 'late');

    const { code, signal } = await srv.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, srv.output());
    assert.ok(Date.now() - started < 9000, 'exited well before the grace period ended');
    assert.match(srv.output(), /signal 15 received: draining/);
  } finally {
    await srv.stop();
  }
});

// A supervisor may stop the server as soon as it has announced readiness
// ("listening on ..."); the signal handler must already be in place then.
test('SIGTERM right after the listening line, nothing in flight: exits 0 promptly', async () => {
  const srv = await startServer();
  const started = Date.now();
  const { code, signal, killed } = await srv.stop();
  assert.equal(killed, false);
  assert.equal(signal, null);
  assert.equal(code, 0, srv.output());
  assert.ok(Date.now() - started < 5000);
});
