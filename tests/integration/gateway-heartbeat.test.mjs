// Engine.IO heartbeat and gateway options: with --ping-interval-ms 300
// --ping-timeout-ms 300 a client that stops answering pings is closed after
// pingInterval + pingTimeout (asserted with generous bounds only), one that
// answers stays; --max-payload is announced and enforced; --socketio-path
// moves the gateway.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { signUpMany, sleep, startServer } from './lib/server.mjs';
import {
  assertEioError, assertHealthy, clientPool, eioUrl, fetchText, joinRequest, pollingGet, pollingHandshake,
  pollingPost, RawSocket, TRANSPORTS,
} from './lib/socket.mjs';

const PING_INTERVAL = 300;
const PING_TIMEOUT = 300;
const MAX_PAYLOAD = 20_000;
const CLOSE_BOUND_MS = 5_000; // "closed within pingInterval + pingTimeout + slack", never tight
const STAYS_MS = 2_000; // > 3 × (pingInterval + pingTimeout)

let srv;
let pool;
let alice;
before(async () => {
  srv = await startServer({
    args: ['--ping-interval-ms', String(PING_INTERVAL), '--ping-timeout-ms', String(PING_TIMEOUT),
      '--max-payload', String(MAX_PAYLOAD)],
  });
  pool = clientPool(srv.baseUrl);
  [alice] = await signUpMany(srv.baseUrl, 1);
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

describe('heartbeat', () => {
  test('the open packet announces the configured pingInterval, pingTimeout and maxPayload', async () => {
    const { open } = await pollingHandshake(srv.baseUrl, { token: alice.accessToken });
    assert.equal(open.pingInterval, PING_INTERVAL);
    assert.equal(open.pingTimeout, PING_TIMEOUT);
    assert.equal(open.maxPayload, MAX_PAYLOAD);
    const raw = await RawSocket.open(srv.port, { token: alice.accessToken });
    const wsOpen = await raw.openPacket();
    assert.equal(wsOpen.pingInterval, PING_INTERVAL);
    assert.equal(wsOpen.pingTimeout, PING_TIMEOUT);
    assert.equal(wsOpen.maxPayload, MAX_PAYLOAD);
    raw.terminate();
  });

  test('a WebSocket client that never answers pings is closed', async () => {
    const raw = await RawSocket.open(srv.port, { token: alice.accessToken, autoPong: false });
    const opened = Date.now();
    await raw.openPacket();
    assert.match(await raw.connectNamespace(), /^40/);
    await raw.next((m) => m === '2', { what: 'a ping', timeout: CLOSE_BOUND_MS });
    const info = await raw.waitClosed(CLOSE_BOUND_MS);
    const took = info.at - opened;
    assert.ok(took >= PING_INTERVAL, `closed after ${took} ms, not before the first ping was due`);
    assert.ok(took < CLOSE_BOUND_MS, `closed after ${took} ms`);
    await assertHealthy(srv.baseUrl);
  });

  test('a WebSocket client that never answers pings is closed even without a Socket.IO CONNECT', async () => {
    const raw = await RawSocket.open(srv.port, { autoPong: false });
    await raw.openPacket();
    await raw.waitClosed(CLOSE_BOUND_MS);
  });

  test('a WebSocket client that answers pings stays open and served', async () => {
    const raw = await RawSocket.open(srv.port, { token: alice.accessToken, autoPong: true });
    await raw.openPacket();
    assert.match(await raw.connectNamespace(), /^40/);
    await sleep(STAYS_MS);
    assert.equal(raw.isOpen, true, `closed: ${JSON.stringify(raw.closeInfo)}`);
    const pings = raw.messages.filter((m) => m === '2').length;
    assert.ok(pings >= 2, `pinged every ${PING_INTERVAL} ms: ${pings} pings in ${STAYS_MS} ms`);
    raw.send(`42${JSON.stringify(['event.client', joinRequest.all()])}`);
    const answer = await raw.next((m) => m.startsWith('42'));
    assert.deepEqual(JSON.parse(answer.slice(2)), ['event.server', { type: 'all', msg: 'connection success' }]);
    raw.terminate();
  });

  test('a polling session that stops polling is dropped (then: Session ID unknown)', async () => {
    const { sid } = await pollingHandshake(srv.baseUrl, { token: alice.accessToken });
    const connect = await pollingPost(srv.baseUrl, sid, '40');
    assert.equal(connect.status, 200, connect.text);
    const deadline = Date.now() + CLOSE_BOUND_MS;
    let res;
    await sleep(PING_INTERVAL + PING_TIMEOUT);
    for (;;) {
      // A GET may still collect buffered packets (the CONNECT answer, a ping, a close);
      // we never answer a ping, so the session must go away.
      res = await pollingGet(srv.baseUrl, sid);
      if (res.status !== 200 || Date.now() > deadline) break;
      await sleep(200);
    }
    assertEioError(res, 1, 'Session ID unknown');
  });

  for (const transport of TRANSPORTS) {
    test(`socket.io-client over ${transport.name} stays connected across many pings`, async () => {
      const c = await pool.connect({ token: alice.accessToken, transport });
      let disconnected = null;
      c.socket.on('disconnect', (reason) => { disconnected = reason; });
      await sleep(STAYS_MS);
      assert.equal(disconnected, null, `disconnected: ${disconnected}`);
      assert.equal(c.socket.connected, true);
      if (transport.upgrades) assert.equal(c.transportName, 'websocket');
      await c.joinAll();
      c.close();
    });
  }
});

describe('max payload', () => {
  test('a WebSocket message over maxPayload closes that connection only', async () => {
    const bystander = await pool.connect({ token: alice.accessToken, transport: TRANSPORTS[1] });
    const raw = await RawSocket.open(srv.port, { token: alice.accessToken });
    await raw.openPacket();
    assert.match(await raw.connectNamespace(), /^40/);
    raw.send(`42${JSON.stringify(['event.client', { type: 'all', msg: 'x'.repeat(MAX_PAYLOAD * 2) }])}`);
    await raw.waitClosed(CLOSE_BOUND_MS);
    await bystander.joinAll();
    bystander.close();
    await assertHealthy(srv.baseUrl);
  });

  test('a polling POST over maxPayload is refused with a 4xx', async () => {
    const { sid } = await pollingHandshake(srv.baseUrl, { token: alice.accessToken });
    const res = await pollingPost(srv.baseUrl, sid, `4${'x'.repeat(MAX_PAYLOAD * 2)}`);
    assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}: ${res.text.slice(0, 200)}`);
    await assertHealthy(srv.baseUrl);
    const c = await pool.connect({ token: alice.accessToken, transport: TRANSPORTS[0] });
    await c.joinAll();
    c.close();
  });
});

describe('--socketio-path', () => {
  let other;
  before(async () => {
    other = await startServer({ args: ['--socketio-path', '/rt/'] });
  });
  after(() => other?.stop());

  test('socket.io-client connects on the configured path; /socket.io/ is no gateway there', async () => {
    const [u] = await signUpMany(other.baseUrl, 1);
    const p = clientPool(other.baseUrl);
    try {
      for (const transport of TRANSPORTS) {
        const c = await p.connect({ token: u.accessToken, transport, path: '/rt/' });
        await c.joinPerson(u.id);
      }
      const res = await fetchText(eioUrl(other.baseUrl, 'EIO=4&transport=polling'));
      assert.equal(res.status, 404, `${res.status}: ${res.text}`);
    } finally {
      p.closeAll();
    }
  });
});
