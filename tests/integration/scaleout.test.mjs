// Scale-out on loopback (SPEC §1): redis-server, two `api` nodes and two
// `gateway` nodes sharing one store. Relay events cross nodes through Redis
// pub/sub, and flow again to sockets that stayed connected after Redis is
// killed and restarted.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { api, assertStatus, randomSecret, signUpMany, sleep, startServer } from './lib/server.mjs';
import { clientPool, TRANSPORTS } from './lib/socket.mjs';

const [POLLING, WEBSOCKET] = TRANSPORTS;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// A throw-away redis-server on a fixed port, so a restart comes back where the nodes expect it.
class Redis {
  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
  }
  async start() {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await this.command('PING').then(() => true, () => false)) return;
      await sleep(50);
    }
    throw new Error('redis-server did not start');
  }
  kill() {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    return exited;
  }
  // One RESP command; resolves with the raw reply.
  command(...args) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.port, '127.0.0.1');
      const req = `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
      let reply = '';
      sock.on('connect', () => sock.write(req));
      sock.on('data', (d) => {
        reply += d;
        if (reply.endsWith('\r\n')) { sock.end(); resolve(reply); }
      });
      sock.on('error', reject);
    });
  }
}

let redis;
let redisDir;
const nodes = {};
let pool;
let pool2;
let alice;
let bob;
let room;

before(async () => {
  redisDir = await mkdtemp(join(tmpdir(), 'simple-chat-redis-'));
  redis = new Redis(await freePort(), redisDir);
  await redis.start();
  const secret = randomSecret();
  const shared = await mkdtemp(join(tmpdir(), 'simple-chat-shared-'));
  const args = ['--redis', `redis://127.0.0.1:${redis.port}`, '--database', `sqlite:${shared}/chat.db`];
  // Migrations run at start; start one node first so the others find the schema.
  nodes.api1 = await startServer({ role: 'api', secret, args });
  [nodes.api2, nodes.gw1, nodes.gw2] = await Promise.all([
    startServer({ role: 'api', secret, args }),
    startServer({ role: 'gateway', secret, args }),
    startServer({ role: 'gateway', secret, args }),
  ]);
  nodes.shared = shared;
  [alice, bob] = await signUpMany(nodes.api1.baseUrl, 2);
  room = assertStatus(await alice.client.post('/rooms', { participantIds: [] }), 201);
  pool = clientPool(nodes.gw1.baseUrl);
  pool2 = clientPool(nodes.gw2.baseUrl);
});

after(async () => {
  pool?.closeAll();
  pool2?.closeAll();
  await Promise.all(['api1', 'api2', 'gw1', 'gw2'].map((n) => nodes[n]?.stop()));
  if (redis?.proc && redis.proc.exitCode === null) await redis.kill();
  if (redisDir) await rm(redisDir, { recursive: true, force: true });
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
    await redis.start();
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
