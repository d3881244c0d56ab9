// Scale-out on loopback (SPEC §1): redis-server, two `api` nodes and two
// `gateway` nodes sharing one store. Relay events cross nodes through Redis
// pub/sub, and flow again to sockets that stayed connected after Redis is
// killed and restarted.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Redis } from './lib/redis.mjs';
import { api, assertStatus, backendDatabase, randomSecret, signUpMany, sleep, startServer } from './lib/server.mjs';
import { clientPool, TRANSPORTS } from './lib/socket.mjs';

const [POLLING, WEBSOCKET] = TRANSPORTS;

let redis;
const nodes = {};
let pool;
let pool2;
let alice;
let bob;
let room;

before(async () => {
  redis = await Redis.start();
  const secret = randomSecret();
  // SIMPLE_CHAT_IT_BACKEND=mariadb (ctest's it_scaleout_mariadb): the
  // database server the test command started; else one SQLite file.
  const shared = await mkdtemp(join(tmpdir(), 'simple-chat-shared-'));
  nodes.shared = shared;
  const database = backendDatabase() ?? `sqlite:${shared}/chat.db`;
  const args = ['--redis', redis.url, '--database', database];
  // Migrations run at start; start one node first so the others find the schema.
  nodes.api1 = await startServer({ role: 'api', secret, args });
  [nodes.api2, nodes.gw1, nodes.gw2] = await Promise.all([
    startServer({ role: 'api', secret, args }),
    startServer({ role: 'gateway', secret, args }),
    startServer({ role: 'gateway', secret, args }),
  ]);
  [alice, bob] = await signUpMany(nodes.api1.baseUrl, 2);
  room = assertStatus(await alice.client.post('/rooms', { participantIds: [] }), 201);
  pool = clientPool(nodes.gw1.baseUrl);
  pool2 = clientPool(nodes.gw2.baseUrl);
});

after(async () => {
  pool?.closeAll();
  pool2?.closeAll();
  await Promise.all(['api1', 'api2', 'gw1', 'gw2'].map((n) => nodes[n]?.stop()));
  await redis?.stop();
  if (nodes.shared) await rm(nodes.shared, { recursive: true, force: true });
});

describe('roles', () => {
  test('an api node serves no socket and a gateway node serves no REST', async () => {
    const eio = await fetch(`${nodes.api1.baseUrl}/socket.io/?EIO=4&transport=polling`);
    assert.equal(eio.status, 404);
    const rest = await fetch(`${nodes.gw1.baseUrl}/rooms`);
    assert.equal(rest.status, 404);
  });

  test('readiness of every node reports Redis UP', async () => {
    for (const n of ['api1', 'api2', 'gw1', 'gw2']) {
      const res = await fetch(`${nodes[n].baseUrl}/actuator/health`);
      assert.equal(res.status, 200, n);
      const body = await res.json();
      assert.equal(body.components.redis.status, 'UP', n);
    }
  });
});

describe('relay across nodes', () => {
  let aliceSock;
  let bobSock;
  let notAllSock;
  before(async () => {
    aliceSock = await pool.connect({ token: alice.accessToken, transport: POLLING });
    await aliceSock.joinRoom(room.id);
    await aliceSock.joinPerson(alice.id);
    await aliceSock.joinAll();
    bobSock = await pool2.connect({ token: bob.accessToken, transport: WEBSOCKET });
    await bobSock.joinPerson(bob.id);
    await bobSock.joinAll();
    // Joined the room and its person channel, but not `all`.
    notAllSock = await pool.connect({ token: alice.accessToken, transport: WEBSOCKET });
    await notAllSock.joinRoom(room.id);
  });

  test('a message posted through api 2 reaches a socket on gateway 1', async () => {
    const msg = assertStatus(await api(nodes.api2.baseUrl, { token: alice.accessToken }).post(`/rooms/${room.id}/messages`, { text: 'across' }), 201);
    const ev = await aliceSock.waitForRelay('room.msg.new', (e) => e.messageId === msg.id);
    assert.equal(ev.seq, msg.seq);
    assert.equal(ev.roomId, room.id);
  });

  test('person.invited crosses nodes to the invitee on gateway 2', async () => {
    assertStatus(await api(nodes.api2.baseUrl, { token: alice.accessToken }).post(`/rooms/${room.id}/participants`, { userIds: [bob.id] }), 200);
    const ev = await bobSock.waitForRelay('person.invited', (e) => e.roomId === room.id);
    assert.equal(ev.userId, bob.id);
  });

  test('an all event published straight to Redis reaches sockets on both gateways', async () => {
    const event = { 'relay-type': 'all', timestamp: new Date().toISOString(), 'msg-type': 'all.service-check', probe: 'first' };
    await redis.command('PUBLISH', 'relay', JSON.stringify(event));
    // aliceSock came in over polling and upgraded; bobSock is WebSocket-only.
    for (const c of [aliceSock, bobSock]) {
      const ev = await c.waitForRelay('all.service-check', (e) => e.probe === 'first');
      assert.deepEqual(ev, event);
    }
    await sleep(300);
    assert.deepEqual(notAllSock.relays((e) => e['msg-type'] === 'all.service-check'), [],
      'a socket that did not join all gets no all event');
  });

  test('after redis-server is killed and restarted, events flow again to sockets that stayed connected', async () => {
    await redis.kill();
    // Posted while Redis is down: the data is committed whatever happens to the signal.
    const during = assertStatus(await api(nodes.api1.baseUrl, { token: alice.accessToken }).post(`/rooms/${room.id}/messages`, { text: 'while down' }), 201);
    await redis.restart();
    // Wait until every node is ready again (both Redis connections back).
    for (const n of ['api1', 'api2', 'gw1', 'gw2']) {
      for (let i = 0; ; i++) {
        const res = await fetch(`${nodes[n].baseUrl}/actuator/health`);
        if (res.status === 200) break;
        assert.ok(i < 200, `${n} did not become ready after the Redis restart`);
        await sleep(100);
      }
    }
    const msg = assertStatus(await api(nodes.api2.baseUrl, { token: alice.accessToken }).post(`/rooms/${room.id}/messages`, { text: 'after restart' }), 201);
    const ev = await aliceSock.waitForRelay('room.msg.new', (e) => e.messageId === msg.id, { timeout: 10_000 });
    assert.equal(ev.seq, msg.seq);
    assert.ok(aliceSock.socket.connected, 'the socket stayed connected');
    // Nothing was lost: the message posted while Redis was down is there by seq.
    const history = assertStatus(await api(nodes.api1.baseUrl, { token: alice.accessToken }).get(`/rooms/${room.id}/messages?after=${during.seq - 1}`), 200);
    assert.deepEqual(history.messages.map((m) => m.id).slice(0, 2), [during.id, msg.id]);
  });
});
