// Connection abuse: 10,000 connections opened and dropped abruptly (TCP
// reset) at every stage — before a byte, mid-header, right after a WebSocket
// upgrade request, right after a polling handshake — then the server's
// descriptors and session gauge are back at their baseline and it serves as
// before. And more sockets from one address than --max-connections-per-ip:
// refused with 503, counted, other addresses unaffected.

import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { assertStatus, forgeJwt, metric, signUp, startServer, waitUntil } from './lib/server.mjs';
import { wsUpgradeRequest } from './lib/raw.mjs';
import { clientPool, RawSocket, TRANSPORTS } from './lib/socket.mjs';

const CONNECTIONS = 10_000;
const CONCURRENCY = 200;

describe('10,000 connections dropped abruptly', () => {
  let srv;
  before(async () => {
    // A short heartbeat so the polling sessions the churn leaves behind expire quickly.
    srv = await startServer({ args: ['--ping-interval-ms', '300', '--ping-timeout-ms', '300'] });
  });
  after(() => srv?.stop());

  const openFds = () => readdirSync(`/proc/${srv.process.pid}/fd`).length;

  const STAGES = [
    null, // connect, reset
    'GET /actuator/health HTTP/1.1\r\nHost: x\r\nX-Half: ', // mid-header
    wsUpgradeRequest(), // a WebSocket upgrade, reset before or after the 101
    'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n', // a polling handshake
  ];

  // One connection: open, maybe write, reset (RST, no FIN, no TIME_WAIT).
  function churnOne(port, i) {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => resolve(false));
      socket.once('connect', () => {
        const stage = STAGES[i % STAGES.length];
        if (stage === null) {
          socket.resetAndDestroy();
          resolve(true);
          return;
        }
        socket.write(stage, () => {
          socket.resetAndDestroy();
          resolve(true);
        });
      });
    });
  }

  test('the server keeps no descriptor or session and still serves', async (t) => {
    const fdsBefore = openFds();
    const sessionsBefore = await metric(srv.baseUrl, 'chat_gateway_sessions');
    const started = Date.now();
    let next = 0;
    let connected = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < CONNECTIONS) {
        if (await churnOne(srv.port, next++)) connected++;
      }
    }));
    t.diagnostic(`${CONNECTIONS} connections (${connected} established) in ${Date.now() - started} ms; ` +
      `descriptors before ${fdsBefore}, right after ${openFds()}`);
    assert.ok(connected >= CONNECTIONS * 0.99, `${connected} of ${CONNECTIONS} connected`);
    assert.equal(srv.process.exitCode, null, 'still running');
    await waitUntil(async () => (await metric(srv.baseUrl, 'chat_gateway_sessions')) === sessionsBefore,
      { timeout: 15_000, what: 'sessions back to the baseline', state: () => metric(srv.baseUrl, 'chat_gateway_sessions') });
    // A few descriptors of slack: fetch() keeps its keep-alive connections a moment.
    await waitUntil(() => openFds() <= fdsBefore + 4, { timeout: 15_000, what: 'descriptors back to the baseline', state: openFds });
    // Serves as before: REST, and a socket that joins.
    const user = await signUp(srv.baseUrl);
    assertStatus(await user.client.get('/users/me'), 200);
    const pool = clientPool(srv.baseUrl);
    try {
      const c = await pool.connect({ token: user.accessToken, transport: TRANSPORTS[0] });
      await c.joinPerson(user.id);
    } finally {
      pool.closeAll();
    }
  });
});

describe('more sockets from one address than --max-connections-per-ip', () => {
  const LIMIT = 3;
  let srv;
  let token;
  const sockets = [];
  before(async () => {
    srv = await startServer({ args: ['--max-connections-per-ip', String(LIMIT)] });
    token = forgeJwt({ secret: srv.secret, sub: '00000000-0000-4000-8000-000000000001' });
  });
  after(async () => {
    for (const s of sockets) s.terminate();
    await srv?.stop();
  });

  test('the one past the limit is refused with 503 over both transports; other addresses and freed slots go on', async () => {
    const refusedBefore = await metric(srv.baseUrl, 'chat_limit_refusals_total{limit="connections_per_ip"}');
    for (let i = 0; i < LIMIT; i++) {
      const s = await RawSocket.open(srv.port, { token, localAddress: '127.0.0.1' });
      sockets.push(s);
      await s.openPacket();
    }
    await assert.rejects(RawSocket.open(srv.port, { token, localAddress: '127.0.0.1' }), (err) => {
      assert.equal(err.status, 503, err.message);
      assert.equal(JSON.parse(err.body).error.code, 'unavailable');
      return true;
    });
    const polling = await fetch(`${srv.baseUrl}/socket.io/?EIO=4&transport=polling`);
    assert.equal(polling.status, 503);
    assert.match(polling.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(await metric(srv.baseUrl, 'chat_limit_refusals_total{limit="connections_per_ip"}'), refusedBefore + 2);

    // Another address has its own allowance.
    const other = await RawSocket.open(srv.port, { token, localAddress: '127.0.0.2' });
    sockets.push(other);
    assert.match(await other.connectNamespace(), /^40/);
    // A slot freed on 127.0.0.1 can be taken again.
    sockets[0].terminate();
    const again = await waitUntil(() => RawSocket.open(srv.port, { token, localAddress: '127.0.0.1' }).catch(() => null),
      { what: 'a socket from 127.0.0.1 accepted again' });
    sockets.push(again);
    assert.match(await again.connectNamespace(), /^40/);
    // The REST API is not subject to the socket limit.
    assertStatus(await fetch(`${srv.baseUrl}/actuator/health`).then(async (r) => ({ status: r.status, text: await r.text() })), 200);
  });
});
