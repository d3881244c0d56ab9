// The relay events of reactions, deletions and notifications reach stock
// socket.io-client sockets that joined the room / person / all channel, and
// no others: room.msg.reaction, room.msg.deleted, person.invited and
// person.payment (with notificationId), all.* broadcasts (with notificationId).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertStatus, ISO_MS_RE, signUp, signUpMany, sleep, startServer, uniqueEmail } from './lib/server.mjs';
import { clientPool, TRANSPORTS } from './lib/socket.mjs';

const [POLLING, WEBSOCKET] = TRANSPORTS;
const QUIET_MS = 300; // how long a socket that must not get an event is watched

let srv;
let pool;
let admin;
let alice;
let bob;
let carol; // in no room with alice and bob
let room; // alice + bob
const s = {};
const adminEmail = uniqueEmail('admin');
before(async () => {
  srv = await startServer({ args: ['--admin-email', adminEmail] });
  pool = clientPool(srv.baseUrl);
  admin = await signUp(srv.baseUrl, { email: adminEmail });
  [alice, bob, carol] = await signUpMany(srv.baseUrl, 3);
  room = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);

  s.alice = await pool.connect({ token: alice.accessToken, transport: POLLING });
  s.bob = await pool.connect({ token: bob.accessToken, via: 'auth', transport: WEBSOCKET });
  s.carol = await pool.connect({ token: carol.accessToken, transport: WEBSOCKET });
  for (const [c, user] of [[s.alice, alice], [s.bob, bob]]) {
    await c.joinRoom(room.id);
    await c.joinPerson(user.id);
    await c.joinAll();
  }
  await s.carol.joinPerson(carol.id);
  await s.carol.joinAll();
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

function assertRelay(ev, expected) {
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(ev[key], value, `"${key}" of ${JSON.stringify(ev)}`);
  }
  assert.match(ev.timestamp, ISO_MS_RE, JSON.stringify(ev));
}

async function allReceive(sockets, msgType, pred) {
  const events = await Promise.all(sockets.map((c) => c.waitForRelay(msgType, pred)));
  for (const ev of events.slice(1)) assert.deepEqual(ev, events[0], 'every socket gets the same object');
  return events[0];
}

async function noneReceive(sockets, pred, what) {
  await sleep(QUIET_MS);
  for (const c of sockets) assert.deepEqual(c.relays(pred), [], `must not get ${what}`);
}

/** After a quiet period, each of `sockets` got exactly `n` relay events matching `pred`. */
async function countReceived(sockets, pred, n, what) {
  await sleep(QUIET_MS);
  for (const c of sockets) assert.equal(c.relays(pred).length, n, `${what}: ${JSON.stringify(c.relays(pred))}`);
}

const post = async (user, text) =>
  assertStatus(await user.client.post(`/rooms/${room.id}/messages`, { text }), 201);
const reactionUrl = (messageId, emoji) =>
  `/rooms/${room.id}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;

describe('room.msg.reaction', () => {
  test('added and removed reach the room, once per change', async () => {
    const msg = await post(alice, 'react here');
    assertStatus(await bob.client.put(reactionUrl(msg.id, '🎉')), 200);
    let ev = await allReceive([s.alice, s.bob], 'room.msg.reaction', (e) => e.messageId === msg.id);
    assertRelay(ev, {
      'relay-type': 'chat', roomId: room.id, 'msg-type': 'room.msg.reaction',
      messageId: msg.id, emoji: '🎉', userId: bob.id, added: true, count: 1,
    });
    // A repeat changes nothing and signals nothing.
    assertStatus(await bob.client.put(reactionUrl(msg.id, '🎉')), 200);
    assertStatus(await bob.client.delete(reactionUrl(msg.id, '🎉')), 200);
    ev = await allReceive([s.alice, s.bob], 'room.msg.reaction', (e) => e.messageId === msg.id);
    assertRelay(ev, { messageId: msg.id, emoji: '🎉', userId: bob.id, added: false, count: 0 });
    await countReceived([s.alice, s.bob], (e) => e['msg-type'] === 'room.msg.reaction' && e.messageId === msg.id,
      2, 'one event per change, none for the repeat');
    await noneReceive([s.carol], (e) => e.roomId === room.id, "the room's events");
  });
});

describe('room.msg.deleted', () => {
  test('a deletion reaches the room with messageId and seq, a repeat does not', async () => {
    const msg = await post(bob, 'oops');
    assertStatus(await bob.client.delete(`/rooms/${room.id}/messages/${msg.id}`), 204);
    const ev = await allReceive([s.alice, s.bob], 'room.msg.deleted', (e) => e.messageId === msg.id);
    assertRelay(ev, {
      'relay-type': 'chat', roomId: room.id, 'msg-type': 'room.msg.deleted',
      messageId: msg.id, seq: msg.seq, actorId: bob.id,
    });
    assertStatus(await bob.client.delete(`/rooms/${room.id}/messages/${msg.id}`), 204);
    await countReceived([s.alice, s.bob], (e) => e['msg-type'] === 'room.msg.deleted' && e.messageId === msg.id,
      1, 'one deletion event, none for the repeat');
    await noneReceive([s.carol], (e) => e.messageId === msg.id, 'the deletion');
  });
});

describe('person notifications', () => {
  test('person.invited carries the stored notificationId', async () => {
    const other = assertStatus(await alice.client.post('/rooms', { participantIds: [carol.id] }), 201);
    const ev = await s.carol.waitForRelay('person.invited', (e) => e.roomId === other.id);
    assertRelay(ev, {
      'relay-type': 'person', userId: carol.id, 'msg-type': 'person.invited', roomId: other.id, actorId: alice.id,
    });
    const list = assertStatus(await carol.client.get('/notifications'), 200).notifications;
    const stored = list.find((n) => n.id === ev.notificationId);
    assert.ok(stored, `notification ${ev.notificationId} is in carol's list`);
    assert.equal(stored.msgType, 'person.invited');
    await noneReceive([s.alice, s.bob], (e) => e.notificationId === ev.notificationId, "carol's invitation");
  });

  test('person.payment from an admin reaches only that person', async () => {
    const n = assertStatus(await admin.client.post(`/notifications/users/${bob.id}`,
      { msgType: 'person.payment', title: 'Paid', data: { amount: 5 } }), 201);
    const ev = await s.bob.waitForRelay('person.payment', (e) => e.notificationId === n.id);
    assertRelay(ev, { 'relay-type': 'person', userId: bob.id, 'msg-type': 'person.payment', notificationId: n.id });
    await noneReceive([s.alice, s.carol], (e) => e.notificationId === n.id, "bob's payment");
  });
});

describe('all notifications', () => {
  test('each all.* type reaches every socket that joined all', async () => {
    const late = await pool.connect({ token: (await signUp(srv.baseUrl)).accessToken, transport: WEBSOCKET });
    for (const msgType of ['all.service-check', 'all.biz-event', 'all.new-feature']) {
      const n = assertStatus(await admin.client.post('/notifications/all', { msgType, title: msgType }), 201);
      const ev = await allReceive([s.alice, s.bob, s.carol], msgType, (e) => e.notificationId === n.id);
      assertRelay(ev, { 'relay-type': 'all', 'msg-type': msgType, notificationId: n.id });
      assert.equal(ev.userId, undefined);
      assert.equal(ev.roomId, undefined);
    }
    await noneReceive([late], (e) => e['relay-type'] === 'all', 'an all event without joining all');
  });
});
