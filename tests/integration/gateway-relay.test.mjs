// Relay events (SPEC §3) reach the sockets that joined the channel, over
// both transports, and no others: room.msg.new from a REST post, person.invited
// and room.person.in from an invite, room.person.out from a leave.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertStatus, ISO_MS_RE, signUpMany, sleep, startServer } from './lib/server.mjs';
import { assertJoinFailure, clientPool, joinRequest, TRANSPORTS } from './lib/socket.mjs';

const [POLLING, WEBSOCKET] = TRANSPORTS;
const QUIET_MS = 300; // how long a socket that must not get an event is watched

let srv;
let pool;
let alice;
let bob;
let carol;
let dave;
let erin;
let roomA; // alice + bob
let roomB; // carol + dave
const s = {}; // the sockets, by name
before(async () => {
  srv = await startServer();
  pool = clientPool(srv.baseUrl);
  [alice, bob, carol, dave, erin] = await signUpMany(srv.baseUrl, 5);
  roomA = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
  roomB = assertStatus(await carol.client.post('/rooms', { participantIds: [dave.id] }), 201);

  // alice twice (both transports) and bob in room A; carol in room B;
  // dave and erin in no room at all.
  s.alicePolling = await pool.connect({ token: alice.accessToken, transport: POLLING });
  s.aliceWs = await pool.connect({ token: alice.accessToken, via: 'auth', transport: WEBSOCKET });
  s.bob = await pool.connect({ token: bob.accessToken, transport: WEBSOCKET });
  s.carol = await pool.connect({ token: carol.accessToken, transport: POLLING });
  s.dave = await pool.connect({ token: dave.accessToken, transport: WEBSOCKET });
  s.erin = await pool.connect({ token: erin.accessToken, transport: POLLING });
  await s.alicePolling.upgraded();
  for (const c of [s.alicePolling, s.aliceWs]) {
    await c.joinRoom(roomA.id);
    await c.joinPerson(alice.id);
    await c.joinAll();
  }
  await s.bob.joinRoom(roomA.id);
  await s.bob.joinRoom(roomA.id); // twice: still one copy of each event
  await s.bob.joinPerson(bob.id);
  await s.carol.joinRoom(roomB.id);
  await s.carol.joinPerson(carol.id);
  await s.dave.joinPerson(dave.id);
  await s.dave.joinAll();
  // erin tries room A and bob's person channel: refused, so she must get nothing from them.
  assertJoinFailure(await s.erin.request(joinRequest.chat(roomA.id)), joinRequest.chat(roomA.id));
  assertJoinFailure(await s.erin.request(joinRequest.person(bob.id)), joinRequest.person(bob.id));
  await s.erin.joinAll();
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

/** The event carries every field of `expected` and a millisecond UTC timestamp. */
function assertRelay(ev, expected) {
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(ev[key], value, `"${key}" of ${JSON.stringify(ev)}`);
  }
  assert.match(ev.timestamp, ISO_MS_RE, JSON.stringify(ev));
  assert.ok(Math.abs(Date.parse(ev.timestamp) - Date.now()) < 60_000, `timestamp is now: ${ev.timestamp}`);
}

/** Every socket gets the same object (the gateway forwards it unchanged). */
async function allReceive(sockets, msgType, pred) {
  const events = await Promise.all(sockets.map((c) => c.waitForRelay(msgType, pred)));
  for (const ev of events.slice(1)) assert.deepEqual(ev, events[0], 'every socket gets the same object');
  return events[0];
}

/** After a quiet period, none of `sockets` got a relay event matching `pred`. */
async function noneReceive(sockets, pred, what) {
  await sleep(QUIET_MS);
  for (const [name, c] of Object.entries(s)) {
    if (!sockets.includes(c)) continue;
    assert.deepEqual(c.relays(pred), [], `${name} must not get ${what}`);
  }
}

const post = async (user, room, text) =>
  assertStatus(await user.client.post(`/rooms/${room.id}/messages`, { text }), 201);

describe('room.msg.new', () => {
  test("a REST post reaches the room's sockets (both transports) with messageId and seq", async () => {
    const msg = await post(alice, roomA, 'hello room A');
    const ev = await allReceive([s.alicePolling, s.aliceWs, s.bob], 'room.msg.new', (e) => e.messageId === msg.id);
    assertRelay(ev, {
      'relay-type': 'chat', roomId: roomA.id, 'msg-type': 'room.msg.new',
      messageId: msg.id, seq: msg.seq, senderId: alice.id,
    });
    assert.equal(ev.userId, undefined, 'a chat event names the room, not a user');
    await noneReceive([s.carol, s.dave, s.erin], (e) => e.messageId === msg.id || e.roomId === roomA.id,
      "room A's message");
  });

  test("another room's message does not reach room A's sockets", async () => {
    const msg = await post(dave, roomB, 'hello room B');
    const ev = await s.carol.waitForRelay('room.msg.new', (e) => e.messageId === msg.id);
    assertRelay(ev, {
      'relay-type': 'chat', roomId: roomB.id, 'msg-type': 'room.msg.new',
      messageId: msg.id, seq: msg.seq, senderId: dave.id,
    });
    await noneReceive([s.alicePolling, s.aliceWs, s.bob, s.dave, s.erin], (e) => e.roomId === roomB.id,
      "room B's message");
  });

  test('published only after commit: the signalled message can be fetched the moment the event arrives', async () => {
    // The GET is sent from inside the event handler, before the POST's own
    // response is even awaited: if the event went out before the commit, the
    // message would not be there yet.
    const fetched = new Promise((resolve, reject) => {
      const onEvent = (e) => {
        if (e['msg-type'] !== 'room.msg.new' || e.roomId !== roomA.id) return;
        s.bob.socket.off('event.server', onEvent);
        bob.client.get(`/rooms/${roomA.id}/messages/${e.messageId}`).then(resolve, reject);
      };
      s.bob.socket.on('event.server', onEvent);
    });
    const posted = alice.client.post(`/rooms/${roomA.id}/messages`, { text: 'committed first' });
    const res = await fetched;
    assert.equal(res.status, 200, 'the message named by the event exists when the event arrives');
    assert.equal(res.body.text, 'committed first');
    assertStatus(await posted, 201);
  });

  test('one copy per socket, in seq order, also for a socket that joined twice', async () => {
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await post(i % 2 ? bob : alice, roomA, `burst ${i}`));
    for (const [name, c] of [['alicePolling', s.alicePolling], ['aliceWs', s.aliceWs], ['bob', s.bob]]) {
      for (const m of sent) await c.waitForRelay('room.msg.new', (e) => e.messageId === m.id);
      await sleep(50);
      const ids = new Set(sent.map((m) => m.id));
      const got = c.relays((e) => ids.has(e.messageId));
      assert.deepEqual(got.map((e) => e.seq), sent.map((m) => m.seq), `${name}: each once, in seq order`);
    }
  });
});

describe('invite and leave', () => {
  test('invite → person.invited to the invitee, room.person.in to the room', async () => {
    const inv = assertStatus(await alice.client.post(`/rooms/${roomA.id}/participants`, { userIds: [carol.id] }), 200);
    assert.deepEqual(inv.added.map((p) => p.userId), [carol.id]);

    const invited = await s.carol.waitForRelay('person.invited', (e) => e.roomId === roomA.id);
    assertRelay(invited, { 'relay-type': 'person', userId: carol.id, 'msg-type': 'person.invited', roomId: roomA.id });

    const joinedIn = await allReceive([s.alicePolling, s.aliceWs, s.bob], 'room.person.in', (e) => e.userId === carol.id);
    assertRelay(joinedIn, { 'relay-type': 'chat', roomId: roomA.id, 'msg-type': 'room.person.in', userId: carol.id });

    await noneReceive([s.dave, s.erin], (e) => e['msg-type'] === 'person.invited' || e.roomId === roomA.id,
      "carol's invitation");
    await noneReceive([s.alicePolling, s.aliceWs, s.bob], (e) => e['msg-type'] === 'person.invited' && e.userId === carol.id,
      "carol's person event");

    // Now a participant, carol's socket may join room A and gets its messages.
    await s.carol.joinRoom(roomA.id);
    const msg = await post(bob, roomA, 'welcome carol');
    await s.carol.waitForRelay('room.msg.new', (e) => e.messageId === msg.id);
  });

  test('creating a room with participants → person.invited to each invitee (not to the creator)', async () => {
    const room = assertStatus(await erin.client.post('/rooms', { participantIds: [dave.id] }), 201);
    const ev = await s.dave.waitForRelay('person.invited', (e) => e.roomId === room.id);
    assertRelay(ev, { 'relay-type': 'person', userId: dave.id, 'msg-type': 'person.invited', roomId: room.id });
    await noneReceive([s.erin, s.carol, s.alicePolling], (e) => e.roomId === room.id, 'the new room\'s invitation');
  });

  test('leave → room.person.out to the room', async () => {
    const left = await bob.client.delete(`/rooms/${roomA.id}/participants/me`);
    assert.equal(left.status, 204, left.text);
    const ev = await allReceive([s.alicePolling, s.aliceWs, s.carol], 'room.person.out', (e) => e.userId === bob.id);
    assertRelay(ev, { 'relay-type': 'chat', roomId: roomA.id, 'msg-type': 'room.person.out', userId: bob.id });
    await noneReceive([s.dave, s.erin], (e) => e['msg-type'] === 'room.person.out', "bob's leaving");
  });

  test("after leaving, the leaver's sockets get no more of the room's events", async () => {
    // Joins are for participants only (SPEC §2); the gateway drops the room from
    // the leaver's sockets once room.person.out went out.
    const msg = await post(alice, roomA, 'bob is gone');
    await allReceive([s.alicePolling, s.aliceWs, s.carol], 'room.msg.new', (e) => e.messageId === msg.id);
    await noneReceive([s.bob], (e) => e.messageId === msg.id, 'a message posted after he left');
    // And he cannot join it again.
    assertJoinFailure(await s.bob.request(joinRequest.chat(roomA.id)), joinRequest.chat(roomA.id));
  });
});

describe('all', () => {
  test('the sockets that joined all got no chat or person event meant for others', () => {
    // dave joined all and his person channel only: every relay he got is his own.
    for (const ev of s.dave.relays()) {
      assert.ok(ev['relay-type'] === 'all' || (ev['relay-type'] === 'person' && ev.userId === dave.id),
        `dave got ${JSON.stringify(ev)}`);
    }
    for (const ev of s.erin.relays()) {
      assert.equal(ev['relay-type'], 'all', `erin got ${JSON.stringify(ev)}`);
    }
  });

  // `all` events have no REST endpoint yet (admin notifications come with the
  // data-model issue); scaleout.test.mjs publishes one straight to Redis and
  // checks it reaches every socket that joined all, on both transports, and
  // no other.
});
