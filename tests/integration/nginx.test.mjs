// The shipped nginx configuration (deploy/nginx/simple-chat.conf, unchanged)
// in front of the scale-out topology on loopback: redis-server, two `api`
// and two `gateway` nodes on one SQLite file. socket.io-client connects
// through nginx over long-polling with the upgrade to WebSocket and receives
// relay events; REST calls are spread over both api nodes; polling sessions
// stick to their gateway. A second small setup (one `serve` node started
// with --trusted-proxy 127.0.0.1 behind its own nginx) checks that
// per-address limits see the client's address, not nginx's, and that
// nobody gets a fresh address by writing X-Forwarded-For.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startNginx } from './lib/nginx.mjs';
import { Redis } from './lib/redis.mjs';
import { requestFrom } from './lib/raw.mjs';
import { api, assertError, assertStatus, randomSecret, signUpMany, sleep, startServer } from './lib/server.mjs';
import { clientPool, TRANSPORTS } from './lib/socket.mjs';

const [POLLING] = TRANSPORTS;
const POLLING_ONLY = { name: 'polling only', opts: { transports: ['polling'] }, upgrades: false };

let redis;
let shared;
const nodes = {};
let proxy;
let pool;
let alice;
let bob;
let room;

const hostPort = (srv) => `127.0.0.1:${srv.port}`;

/** Access log lines matching `pred`, waiting until at least `min` are there (nginx logs a request when it ends). */
async function logLines(pred, min = 1) {
  for (let i = 0; ; i++) {
    const lines = (await proxy.accessLog()).filter(pred);
    if (lines.length >= min || i >= 100) return lines;
    await sleep(50);
  }
}

before(async () => {
  redis = await Redis.start();
  shared = await mkdtemp(join(tmpdir(), 'simple-chat-shared-'));
  const secret = randomSecret();
  const args = ['--redis', redis.url, '--database', `sqlite:${shared}/chat.db`];
  // Migrations run at start; one node first so the others find the schema.
  nodes.api1 = await startServer({ role: 'api', secret, args });
  [nodes.api2, nodes.gw1, nodes.gw2] = await Promise.all([
    startServer({ role: 'api', secret, args }),
    startServer({ role: 'gateway', secret, args }),
    startServer({ role: 'gateway', secret, args }),
  ]);
  proxy = await startNginx({
    api: [hostPort(nodes.api1), hostPort(nodes.api2)],
    gateway: [hostPort(nodes.gw1), hostPort(nodes.gw2)],
  });
  [alice, bob] = await signUpMany(proxy.baseUrl, 2);
  room = assertStatus(await api(proxy.baseUrl, { token: alice.accessToken }).post('/rooms', { participantIds: [] }), 201);
  pool = clientPool(proxy.baseUrl);
});

after(async () => {
  pool?.closeAll();
  await proxy?.stop();
  await Promise.all(['api1', 'api2', 'gw1', 'gw2'].map((n) => nodes[n]?.stop()));
  await redis?.stop();
  if (shared) await rm(shared, { recursive: true, force: true });
});

describe('REST through nginx', () => {
  test('requests are spread over both api nodes, and X-Request-Id goes through', async () => {
    const me = api(proxy.baseUrl, { token: alice.accessToken });
    const ids = Array.from({ length: 8 }, (_, i) => `it-nginx-${process.pid}-${i}`);
    for (const id of ids) {
      const res = assertStatus(await me.get('/users/me', { headers: { 'x-request-id': id } }), 200);
      assert.equal(res.id, alice.id);
    }
    const lines = await logLines((l) => ids.includes(l.rid), ids.length);
    assert.equal(lines.length, ids.length, 'one access log line per request');
    const apiNodes = new Set([hostPort(nodes.api1), hostPort(nodes.api2)]);
    for (const l of lines) assert.ok(apiNodes.has(l.upstream), `api request went to ${l.upstream}`);
    assert.equal(new Set(lines.map((l) => l.upstream)).size, 2, 'round robin reaches both api nodes');

    // The node answers with the id nginx passed on: the caller's, else nginx's own.
    const own = await me.get('/users/me', { headers: { 'x-request-id': 'caller-chosen-id' } });
    assert.equal(own.headers.get('x-request-id'), 'caller-chosen-id');
    const generated = await me.get('/users/me');
    const rid = generated.headers.get('x-request-id');
    assert.match(rid, /^[0-9a-f]{32}$/, 'nginx generated the id ($request_id)');
    assert.equal((await logLines((l) => l.rid === rid)).length, 1, 'the same id is in nginx’s log');
  });

  test('uploads above the 1 MiB body limit pass; above 26 MiB they get 413 in the API error shape', async () => {
    const upload = (bytes) => fetch(new URL('/files?name=big.bin', proxy.baseUrl), {
      method: 'POST', body: bytes, headers: { authorization: `Bearer ${alice.accessToken}` },
    });
    let res = await upload(Buffer.alloc(2 * 1024 * 1024, 1));
    assert.equal(res.status, 201, await res.text());
    res = await upload(Buffer.alloc(27 * 1024 * 1024, 2));
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, 'payload_too_large');
  });

  test('a body over the limit gets 413 in the API error shape', async () => {
    const res = await api(proxy.baseUrl, { token: alice.accessToken })
      .post(`/rooms/${room.id}/messages`, { text: 'x'.repeat(1024 * 1024 + 10) });
    assert.equal(res.status, 413);
    assert.equal(res.body?.error?.code, 'payload_too_large', res.text);
  });

  test('readiness through nginx reports the store and Redis', async () => {
    const res = await fetch(`${proxy.baseUrl}/actuator/health`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.components.redis.status, 'UP');
    assert.equal(body.components.db.status, 'UP');
  });
});

describe('Socket.IO through nginx', () => {
  test('polling, then upgrade to WebSocket; room, person and all events arrive', async () => {
    const aliceSock = await pool.connect({ token: alice.accessToken, transport: POLLING });
    await aliceSock.upgraded();
    assert.equal(aliceSock.transportName, 'websocket', 'the upgrade went through nginx');
    const sid = aliceSock.socket.io.engine.id;
    await aliceSock.joinRoom(room.id);
    await aliceSock.joinPerson(alice.id);
    await aliceSock.joinAll();
    const bobSock = await pool.connect({ token: bob.accessToken, transport: POLLING });
    await bobSock.upgraded();
    await bobSock.joinPerson(bob.id);

    const poster = api(proxy.baseUrl, { token: alice.accessToken });
    const msg = assertStatus(await poster.post(`/rooms/${room.id}/messages`, { text: 'through nginx' }), 201);
    const ev = await aliceSock.waitForRelay('room.msg.new', (e) => e.messageId === msg.id);
    assert.equal(ev.roomId, room.id);
    assert.equal(ev.seq, msg.seq);

    assertStatus(await poster.post(`/rooms/${room.id}/participants`, { userIds: [bob.id] }), 200);
    const invited = await bobSock.waitForRelay('person.invited', (e) => e.roomId === room.id);
    assert.equal(invited.userId, bob.id);

    const event = { 'relay-type': 'all', timestamp: new Date().toISOString(), 'msg-type': 'all.service-check', probe: 'nginx' };
    await redis.command('PUBLISH', 'relay', JSON.stringify(event));
    assert.deepEqual(await aliceSock.waitForRelay('all.service-check', (e) => e.probe === 'nginx'), event);

    // Every request of the session went to one gateway, and the upgrade
    // (logged when the WebSocket closes) was answered 101 by that gateway.
    aliceSock.close();
    const lines = await logLines((l) => l.request?.includes(`sid=${sid}`) && l.request.includes('transport=websocket'));
    assert.equal(lines.length, 1, 'the upgrade request is in the log');
    assert.equal(lines[0].status, 101);
    const polls = (await proxy.accessLog()).filter((l) => l.request?.includes(`sid=${sid}`));
    const gateways = new Set([hostPort(nodes.gw1), hostPort(nodes.gw2)]);
    assert.ok(gateways.has(lines[0].upstream), `the session is on a gateway, not ${lines[0].upstream}`);
    assert.deepEqual(new Set(polls.map((l) => l.upstream)), new Set([lines[0].upstream]),
      'every request of the session reached the same gateway');
  });

  test('long-polling sessions from many addresses stick to their gateway, on both gateways', async () => {
    // 16 source addresses: the consistent hash puts some on each gateway
    // (all on one has a chance of 2^-15). Polling only, so every join and
    // every event is a separate HTTP request that must reach the session's node.
    const clients = await Promise.all(Array.from({ length: 16 }, async (_, i) => {
      const localAddress = `127.0.0.${i + 1}`;
      const c = await pool.connect({
        token: alice.accessToken, transport: POLLING_ONLY,
        agent: new http.Agent({ keepAlive: true, localAddress }),
      });
      await c.joinRoom(room.id);
      return { c, sid: c.socket.io.engine.id, localAddress };
    }));
    const msg = assertStatus(await api(proxy.baseUrl, { token: alice.accessToken })
      .post(`/rooms/${room.id}/messages`, { text: 'to every poller' }), 201);
    await Promise.all(clients.map(({ c }) => c.waitForRelay('room.msg.new', (e) => e.messageId === msg.id)));
    for (const { c } of clients) assert.equal(c.transportName, 'polling');

    const used = new Set();
    for (const { c, sid, localAddress } of clients) {
      c.close();
      const lines = await logLines((l) => l.request?.includes(`sid=${sid}`), 3);
      assert.ok(lines.length >= 3, `session ${sid} made several requests`);
      for (const l of lines) assert.equal(l.remote, localAddress);
      const upstreams = new Set(lines.map((l) => l.upstream));
      assert.equal(upstreams.size, 1, `session ${sid} went to ${[...upstreams]}`);
      used.add([...upstreams][0]);
    }
    assert.deepEqual(used, new Set([hostPort(nodes.gw1), hostPort(nodes.gw2)]), 'both gateways hold sessions');
  });
});

describe('client addresses behind nginx with --trusted-proxy', () => {
  const LOGIN_LIMIT = 3;
  let node;
  let front;
  let user;

  before(async () => {
    node = await startServer({
      accessLog: true,
      args: ['--trusted-proxy', '127.0.0.1', '--login-rate-per-ip', `${LOGIN_LIMIT}/1h`,
        '--max-connections-per-ip', '2'],
    });
    front = await startNginx({ api: [hostPort(node)], gateway: [hostPort(node)] });
    [user] = await signUpMany(node.baseUrl, 1);
  });

  after(async () => {
    await front?.stop();
    await node?.stop();
  });

  const login = (address, baseUrl, { password = 'wrong-password-1', headers } = {}) =>
    requestFrom(address, baseUrl, 'POST', '/token', { body: { email: user.email, password }, headers });

  /** Uses up `address`'s login bucket; the i-th attempt sends the headers headersFor(i). */
  async function exhaust(address, baseUrl, headersFor = () => ({})) {
    for (let i = 0; i < LOGIN_LIMIT; i++) {
      assertError(await login(address, baseUrl, { headers: headersFor(i) }), 401, 'invalid_credentials');
    }
  }

  test('clients behind nginx have their own login bucket, and the log names them', async () => {
    await exhaust('127.0.0.2', front.baseUrl);
    assertError(await login('127.0.0.2', front.baseUrl, { password: user.password }), 429, 'rate_limited');
    assertStatus(await login('127.0.0.3', front.baseUrl, { password: user.password }), 200);
    const lines = node.output().split('\n').filter((l) => l.includes('POST /token'));
    assert.ok(lines.some((l) => /remote=127\.0\.0\.2 via=127\.0\.0\.1\b/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /remote=127\.0\.0\.3 via=127\.0\.0\.1\b/.test(l)), lines.join('\n'));
  });

  test('a forged X-Forwarded-For gets no fresh bucket, through nginx or directly', async () => {
    // Through nginx the forged entries stay left of the address nginx appends.
    await exhaust('127.0.0.4', front.baseUrl, (i) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` }));
    assertError(await login('127.0.0.4', front.baseUrl, {
      password: user.password, headers: { 'x-forwarded-for': '127.0.0.3, 127.0.0.1' },
    }), 429, 'rate_limited');
    // Directly from an untrusted address the header is not read at all.
    await exhaust('127.0.0.5', node.baseUrl, (i) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` }));
    assertError(await login('127.0.0.5', node.baseUrl, {
      password: user.password, headers: { 'x-forwarded-for': '127.0.0.3' },
    }), 429, 'rate_limited');
  });

  test('the gateway counts sockets per client, not per nginx', async () => {
    const handshake = (address) => requestFrom(address, front.baseUrl, 'GET', '/socket.io/?EIO=4&transport=polling');
    for (let i = 0; i < 2; i++) assert.equal((await handshake('127.0.0.6')).status, 200);
    assert.equal((await handshake('127.0.0.6')).status, 503, 'the third session from one client is refused');
    assert.equal((await handshake('127.0.0.7')).status, 200, 'another client behind the same nginx is not');
  });
});
