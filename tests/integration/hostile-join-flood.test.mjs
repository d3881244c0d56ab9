// A flood of event.client joins: each socket has a token bucket
// (--join-rate-per-socket). Joins past it get "connection failure" with code
// rate_limited and a retry hint, the socket stays usable; a socket that goes
// on regardless (100 refusals in a row) is dropped and counted. Other sockets,
// also of the same user, are not affected.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertStatus, metric, signUpMany, startServer, waitUntil } from './lib/server.mjs';
import { assertJoinFailure, clientPool, joinRequest, RawSocket, TRANSPORTS } from './lib/socket.mjs';

const BURST = 20;
let srv;
let pool;
let alice;
let bob;
let room;

before(async () => {
  srv = await startServer({ args: ['--join-rate-per-socket', `${BURST}/1m`] });
  [alice, bob] = await signUpMany(srv.baseUrl, 2);
  room = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
  pool = clientPool(srv.baseUrl);
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

for (const transport of TRANSPORTS) {
  test(`over ${transport.name}: the join past the burst is refused with rate_limited, the socket stays`, async () => {
    const c = await pool.connect({ token: alice.accessToken, transport });
    for (let i = 0; i < BURST; i++) await c.joinRoom(room.id);
    const request = joinRequest.chat(room.id);
    const refused = await c.request(request);
    const error = assertJoinFailure(refused, request);
    assert.equal(error.code, 'rate_limited');
    assert.ok(refused.error.retryAfterMs >= 1 && refused.error.retryAfterMs <= 60_000, JSON.stringify(refused));
    assert.ok(c.socket.connected, 'refused, not dropped');
    // The joins it got still deliver.
    const msg = assertStatus(await bob.client.post(`/rooms/${room.id}/messages`, { text: 'still here' }), 201);
    await c.waitForRelay('room.msg.new', (e) => e.messageId === msg.id);
    c.close();
  });
}

test('a socket that keeps flooding is dropped; its room-mates and its user\'s other sockets are served', async () => {
  const droppedBefore = await metric(srv.baseUrl, 'chat_gateway_dropped_flooding_total');
  const limitedBefore = await metric(srv.baseUrl, 'chat_limit_refusals_total{limit="join_socket"}');
  const mate = await pool.connect({ token: bob.accessToken, transport: TRANSPORTS[1] });
  await mate.joinRoom(room.id);
  const sibling = await pool.connect({ token: alice.accessToken, transport: TRANSPORTS[0] });
  await sibling.joinRoom(room.id);

  const flooder = await RawSocket.open(srv.port, { token: alice.accessToken });
  await flooder.openPacket();
  assert.match(await flooder.connectNamespace(), /^40/);
  const join = `42${JSON.stringify(['event.client', joinRequest.chat(room.id)])}`;
  for (let i = 0; i < 2000 && flooder.isOpen; i++) flooder.send(join);
  const closed = await flooder.waitClosed(10_000);
  assert.ok(closed, 'the flooder is disconnected');
  const answers = flooder.messages.filter((m) => typeof m === 'string' && m.includes('connection'));
  assert.ok(answers.filter((m) => m.includes('connection success')).length <= BURST, 'no more than the burst accepted');

  await waitUntil(async () => (await metric(srv.baseUrl, 'chat_gateway_dropped_flooding_total')) === droppedBefore + 1,
    { what: 'the drop counted', state: async () => [droppedBefore, await metric(srv.baseUrl, 'chat_gateway_dropped_flooding_total'), closed, srv.output().slice(-600)] });
  assert.ok(await metric(srv.baseUrl, 'chat_limit_refusals_total{limit="join_socket"}') >= limitedBefore + 100);
  assert.match(srv.output(), /dropping socket flooding joins/);

  const msg = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'after the flood' }), 201);
  for (const c of [mate, sibling]) {
    const ev = await c.waitForRelay('room.msg.new', (e) => e.messageId === msg.id);
    assert.equal(ev.seq, msg.seq);
    assert.ok(c.socket.connected);
  }
});
