// A WebSocket client that joins `all` and then never reads: the gateway's
// send queue for it fills (after the kernel's socket buffers), it is dropped
// and counted, and the other sockets of the channel receive every event, in
// order. A gateway node behind Redis, so large relay events can be published
// straight to the channel.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { forgeJwt, metric, startServer, waitUntil } from './lib/server.mjs';
import { wsFrame, wsUpgradeRequest } from './lib/raw.mjs';
import { Redis } from './lib/redis.mjs';
import { clientPool, TRANSPORTS } from './lib/socket.mjs';

const QUEUE_BYTES = 1024 * 1024;
const PAD = 'x'.repeat(32 * 1024); // relay events may be up to 64 KiB
const BATCH = 10; // 320 KiB: a burst well below the queue limit, so readers never overflow
const MAX_EVENTS = 1000; // ~32 MiB: well past the kernel buffers and the queue

let redis;
let gw;
let pool;

before(async () => {
  redis = await Redis.start();
  gw = await startServer({
    role: 'gateway',
    args: ['--redis', redis.url, '--send-queue-bytes', String(QUEUE_BYTES)],
  });
  pool = clientPool(gw.baseUrl);
});

after(async () => {
  pool?.closeAll();
  await gw?.stop();
  await redis?.stop();
});

const token = () => forgeJwt({ secret: gw.secret, sub: randomUUID() });

// A raw WebSocket that connects, joins all, and from then on reads nothing.
async function neverReader() {
  const socket = net.connect(gw.port, '127.0.0.1');
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  let seen = '';
  const saw = (text) => new Promise((resolve, reject) => {
    const check = () => { if (seen.includes(text)) { socket.off('data', check); resolve(); } };
    socket.on('data', (d) => { seen += d.toString('latin1'); });
    socket.on('data', check);
    socket.once('close', () => reject(new Error(`closed before "${text}": ${seen.slice(0, 300)}`)));
    check();
  });
  socket.write(wsUpgradeRequest({ token: token() }));
  await saw('"sid"');
  socket.write(wsFrame('40'));
  await saw('40{');
  socket.write(wsFrame(`42${JSON.stringify(['event.client', { type: 'all', msg: 'default connection request' }])}`));
  await saw('connection success');
  socket.pause(); // the kernel buffers fill, then the gateway's queue
  return socket;
}

test('a socket that never reads is dropped at the queue limit; the others get every event in order', async (t) => {
  const readers = await Promise.all([0, 1].map(() => pool.connect({ token: token(), transport: TRANSPORTS[1] })));
  for (const r of readers) await r.joinAll();
  const dropsBefore = await metric(gw.baseUrl, 'chat_gateway_dropped_total');
  const sessionsBefore = await metric(gw.baseUrl, 'chat_gateway_sessions');
  const stalled = await neverReader();
  assert.equal(await metric(gw.baseUrl, 'chat_gateway_sessions'), sessionsBefore + 1);

  let published = 0;
  const dropped = async () => (await metric(gw.baseUrl, 'chat_gateway_dropped_total')) > dropsBefore;
  while (published < MAX_EVENTS && !(await dropped())) {
    const batch = [];
    for (let i = 0; i < BATCH; i++, published++) {
      batch.push(JSON.stringify({ 'relay-type': 'all', timestamp: new Date().toISOString(),
        'msg-type': 'all.biz-event', n: published, pad: PAD }));
    }
    await redis.publishAll('relay', batch);
    // Let the readers keep up rather than measure how fast Redis takes bytes.
    await waitUntil(() => readers.every((r) => r.relays().length === published),
      { timeout: 20_000, what: `both readers at ${published} events`, state: () => [readers.map((r) => [r.relays().length, r.socket.connected]), gw.output().slice(-1500)] });
  }
  await waitUntil(dropped, { timeout: 10_000, what: 'the stalled socket dropped' });
  t.diagnostic(`stalled socket dropped after ${published} events of 32 KiB`);
  assert.equal(await metric(gw.baseUrl, 'chat_gateway_dropped_total'), dropsBefore + 1, 'exactly one socket dropped');
  assert.ok(await metric(gw.baseUrl, 'chat_limit_refusals_total{limit="send_queue"}') >= 1);
  assert.equal(await metric(gw.baseUrl, 'chat_gateway_sessions'), sessionsBefore, 'its session is gone');
  assert.match(gw.output(), /dropping slow consumer/);

  // Everything published reached the readers, once each, in order.
  for (const r of readers) {
    assert.ok(r.socket.connected, 'reader still connected');
    assert.deepEqual(r.relays().map((e) => e.n), Array.from({ length: published }, (_, i) => i));
  }
  // Once it reads again it finds its connection closed by the server.
  const closed = new Promise((resolve) => stalled.once('close', resolve));
  stalled.resume();
  await closed;

  // Still serving: the readers get the next event, a new socket joins.
  await redis.publishAll('relay', [JSON.stringify({ 'relay-type': 'all', timestamp: new Date().toISOString(), 'msg-type': 'all.biz-event', n: published })]);
  for (const r of readers) await r.waitForRelay('all.biz-event', (e) => e.n === published);
  const fresh = await pool.connect({ token: token(), transport: TRANSPORTS[0] });
  await fresh.joinAll();
});
