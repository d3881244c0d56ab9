// Faults between nodes (scale-out on loopback: redis-server, an api node,
// two gateway nodes, one store):
// - Redis killed and restarted while messages are being fanned out: no node
//   crashes, events flow again, and a client recovers every message it missed
//   by seq through the API.
// - A gateway killed with SIGKILL: its clients reconnect through nginx (the
//   shipped configuration, lib/nginx.mjs) to the other gateway, join again
//   and catch up by seq.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertStatus, randomSecret, signUpMany, startServer, waitUntil } from './lib/server.mjs';
import { startNginx } from './lib/nginx.mjs';
import { Redis } from './lib/redis.mjs';
import { clientPool, TRANSPORTS } from './lib/socket.mjs';

let redis;
let shared;
const nodes = {};
let alice;
let bob;
let room;
let posted = 0;

before(async () => {
  redis = await Redis.start();
  shared = await mkdtemp(join(tmpdir(), 'simple-chat-shared-'));
  const secret = randomSecret();
  const args = ['--redis', redis.url, '--database', `sqlite:${shared}/chat.db`];
  nodes.api = await startServer({ role: 'api', secret, args });
  [nodes.gw1, nodes.gw2] = await Promise.all([
    startServer({ role: 'gateway', secret, args }),
    startServer({ role: 'gateway', secret, args }),
  ]);
  [alice, bob] = await signUpMany(nodes.api.baseUrl, 2);
  room = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
});

after(async () => {
  await Promise.all(Object.values(nodes).map((n) => n.stop()));
  await redis?.stop();
  if (shared) await rm(shared, { recursive: true, force: true });
});

const post = async (text) => assertStatus(await bob.client.post(`/rooms/${room.id}/messages`, { text: text ?? `m${++posted}` }), 201);

/**
 * What a client does to miss nothing: it remembers the highest seq it has
 * seen in order, and fetches everything after it through the API whenever it
 * sees a gap (or reconnects).
 */
class RoomReader {
  constructor(client) {
    this.client = client;
    this.seen = new Map(); // seq -> message id
  }
  get lastContiguous() {
    let s = 0;
    while (this.seen.has(s + 1)) s++;
    return s;
  }
  fromEvents() {
    for (const e of this.client.relays((ev) => ev['msg-type'] === 'room.msg.new' && ev.roomId === room.id)) {
      this.seen.set(e.seq, e.messageId);
    }
  }
  async catchUp() {
    for (;;) {
      const after = this.lastContiguous;
      const page = assertStatus(await alice.client.get(`/rooms/${room.id}/messages?after=${after}&limit=200`), 200);
      for (const m of page.messages) this.seen.set(m.seq, m.id);
      if (!page.messages.length || this.lastContiguous === after) return;
    }
  }
}

async function allMessages() {
  return assertStatus(await alice.client.get(`/rooms/${room.id}/messages?after=0&limit=200`), 200).messages;
}

async function waitReady(names) {
  for (const n of names) {
    await waitUntil(async () => (await fetch(`${nodes[n].baseUrl}/actuator/health`)).status === 200,
      { timeout: 15_000, what: `${n} ready` });
  }
}

describe('Redis killed and restarted during a fan-out', () => {
  test('no crash, events resume, the missed ones are recovered by seq', async (t) => {
    const pool1 = clientPool(nodes.gw1.baseUrl);
    const pool2 = clientPool(nodes.gw2.baseUrl);
    try {
      const c1 = await pool1.connect({ token: alice.accessToken, transport: TRANSPORTS[1] });
      const c2 = await pool2.connect({ token: alice.accessToken, transport: TRANSPORTS[0] });
      await c1.joinRoom(room.id);
      await c2.joinRoom(room.id);
      const readers = [new RoomReader(c1), new RoomReader(c2)];

      // Posting goes on while Redis dies and comes back: the data is committed regardless.
      for (let i = 0; i < 10; i++) await post();
      await redis.kill();
      for (let i = 0; i < 10; i++) await post();
      // The nodes have noticed (readiness DOWN) before Redis comes back.
      for (const n of ['api', 'gw1', 'gw2']) {
        await waitUntil(async () => (await fetch(`${nodes[n].baseUrl}/actuator/health`)).status === 503,
          { what: `${n} reporting Redis DOWN` });
      }
      await redis.restart();
      for (let i = 0; i < 10; i++) await post();
      await waitReady(['api', 'gw1', 'gw2']);
      for (const n of ['api', 'gw1', 'gw2']) assert.equal(nodes[n].process.exitCode, null, `${n} still running`);

      // Events flow again.
      const marker = await post('marker');
      for (const c of [c1, c2]) {
        await c.waitForRelay('room.msg.new', (e) => e.messageId === marker.id, { timeout: 10_000 });
        assert.ok(c.socket.connected, 'the socket stayed connected');
      }
      const all = await allMessages();
      for (const [i, r] of readers.entries()) {
        r.fromEvents();
        const signalled = r.seen.size;
        await r.catchUp();
        t.diagnostic(`socket ${i + 1}: ${signalled} of ${all.length} messages signalled, the rest fetched by seq`);
        assert.deepEqual([...r.seen.entries()].sort((a, b) => a[0] - b[0]), all.map((m) => [m.seq, m.id]));
      }
      // Every event that did arrive named a real message.
      const ids = new Set(all.map((m) => m.id));
      for (const c of [c1, c2]) {
        for (const e of c.relays((ev) => ev['msg-type'] === 'room.msg.new')) assert.ok(ids.has(e.messageId));
      }
    } finally {
      pool1.closeAll();
      pool2.closeAll();
    }
  });
});

describe('a gateway killed with SIGKILL', () => {
  test('its clients reconnect through nginx to the other gateway and catch up by seq', async () => {
    const hostPort = (n) => `127.0.0.1:${nodes[n].port}`;
    const proxy = await startNginx({ api: [hostPort('api')], gateway: [hostPort('gw1'), hostPort('gw2')] });
    const pool = clientPool(proxy.baseUrl);
    const sockets = async (n) => {
      const text = await fetch(`${nodes[n].baseUrl}/actuator/prometheus`).then((r) => r.text());
      return Number(/^chat_gateway_sockets (\d+)$/m.exec(text)[1]);
    };
    try {
      const reconnecting = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 500, randomizationFactor: 0 };
      const clients = await Promise.all(TRANSPORTS.map((transport) => pool.connect({ token: alice.accessToken, transport, ...reconnecting })));
      const readers = clients.map((c) => new RoomReader(c));
      // The client's own rule: on every reconnect, join the room again and fetch after the last seq seen.
      let rejoined = 0;
      clients.forEach((c, i) => {
        c.socket.io.on('reconnect', async () => {
          await c.joinRoom(room.id);
          readers[i].fromEvents();
          await readers[i].catchUp();
          rejoined++;
        });
      });
      for (const c of clients) await c.joinRoom(room.id);
      const first = await post();
      for (const c of clients) await c.waitForRelay('room.msg.new', (e) => e.messageId === first.id);
      for (const r of readers) await r.catchUp(); // what the client holds before the crash

      // nginx hashes the client address: both clients are on one gateway; kill that one.
      const [victim, survivor] = await waitUntil(async () => {
        if (await sockets('gw1') === 2) return ['gw1', 'gw2'];
        if (await sockets('gw2') === 2) return ['gw2', 'gw1'];
        return null;
      }, { what: 'both clients on one gateway' });
      nodes[victim].process.kill('SIGKILL');
      await nodes[victim].exited;
      // Messages posted while the clients are reconnecting.
      for (let i = 0; i < 5; i++) await post();
      await waitUntil(() => rejoined === clients.length, { timeout: 15_000, what: 'both clients reconnected and caught up' });
      for (const c of clients) assert.ok(c.socket.connected);
      assert.equal(await sockets(survivor), 2, 'both on the surviving gateway');

      const all = await allMessages();
      for (const r of readers) {
        assert.deepEqual([...r.seen.entries()].sort((a, b) => a[0] - b[0]), all.map((m) => [m.seq, m.id]), 'caught up');
      }
      // And live events come through the surviving gateway.
      const next = await post();
      for (const c of clients) await c.waitForRelay('room.msg.new', (e) => e.messageId === next.id);
    } finally {
      pool.closeAll();
      await proxy.stop();
    }
  });
});
