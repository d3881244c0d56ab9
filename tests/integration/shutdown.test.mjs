// Graceful shutdown: on SIGTERM the server stops accepting, finishes the
// request in flight, closes idle keep-alive connections, closes sockets with
// a reason and exits 0.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, assertStatus, signUp, sleep, startServer, uniqueEmail } from './lib/server.mjs';
import { connect } from './lib/raw.mjs';
import { clientPool, pollingGet, pollingHandshake, RawSocket, TRANSPORTS } from './lib/socket.mjs';

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

// Sockets are told why they go: an Engine.IO close packet, then (WebSocket)
// the closing handshake with 1001 Going Away and the reason. A client then
// reconnects elsewhere (or later) and catches up by seq.
test('SIGTERM closes every socket with a close packet and a reason, then exits 0', async () => {
  const srv = await startServer();
  const pool = clientPool(srv.baseUrl);
  try {
    const user = await signUp(srv.baseUrl);
    const ws = await RawSocket.open(srv.port, { token: user.accessToken });
    await ws.openPacket();
    assert.match(await ws.connectNamespace(), /^40/);
    // A polling session with its GET pending when the signal comes.
    const { sid } = await pollingHandshake(srv.baseUrl, { token: user.accessToken });
    const pending = pollingGet(srv.baseUrl, sid);
    const client = await pool.connect({ token: user.accessToken, transport: TRANSPORTS[1] });
    const disconnected = new Promise((resolve) => client.socket.once('disconnect', resolve));
    await sleep(100);

    srv.process.kill('SIGTERM');
    const closed = await ws.waitClosed(5000);
    assert.equal(closed.code, 1001, 'Going Away');
    assert.equal(closed.reason, 'server shutting down');
    assert.ok(ws.messages.includes('1'), `an Engine.IO close packet first: ${JSON.stringify(ws.messages)}`);
    const polled = await pending;
    assert.equal(polled.status, 200);
    assert.match(polled.text, /(^|\x1e)1$/, `the pending poll collects the close packet: ${polled.text}`);
    await disconnected;
    const { code } = await srv.exited;
    assert.equal(code, 0, srv.output());
  } finally {
    pool.closeAll();
    await srv.stop();
  }
});
