// room.thread.msg.new (a documented extension of SPEC §3): a thread reply is
// signalled to the sockets that joined the room, over both transports, with
// threadId, rootMessageId, messageId and seq; sockets outside the room get
// nothing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertStatus, ISO_MS_RE, signUpMany, sleep, startServer } from './lib/server.mjs';
import { clientPool, TRANSPORTS } from './lib/socket.mjs';

const [POLLING, WEBSOCKET] = TRANSPORTS;

let srv;
let pool;
let alice;
let bob;
let carol;
let room;
let otherRoom;
const s = {};
before(async () => {
  srv = await startServer();
  pool = clientPool(srv.baseUrl);
  [alice, bob, carol] = await signUpMany(srv.baseUrl, 3);
  room = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
  otherRoom = assertStatus(await carol.client.post('/rooms', { participantIds: [] }), 201);
  s.alice = await pool.connect({ token: alice.accessToken, transport: POLLING });
  s.bob = await pool.connect({ token: bob.accessToken, via: 'auth', transport: WEBSOCKET });
  s.carol = await pool.connect({ token: carol.accessToken, transport: WEBSOCKET });
  await s.alice.joinRoom(room.id);
  await s.bob.joinRoom(room.id);
  await s.carol.joinRoom(otherRoom.id);
  await s.carol.joinAll();
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

test("a thread reply reaches the room's sockets as room.thread.msg.new", async () => {
  const root = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'root' }), 201);
  const path = `/rooms/${room.id}/messages/${root.id}/thread`;
  for (const [user, seq] of [[bob, 1], [alice, 2]]) {
    const reply = assertStatus(await user.client.post(path, { text: `reply ${seq}` }), 201);
    const events = await Promise.all([s.alice, s.bob].map((c) =>
      c.waitForRelay('room.thread.msg.new', (e) => e.messageId === reply.id)));
    assert.deepEqual(events[1], events[0], 'every socket gets the same object');
    const ev = events[0];
    assert.equal(ev['relay-type'], 'chat');
    assert.equal(ev.roomId, room.id);
    assert.equal(ev.threadId, reply.threadId);
    assert.equal(ev.rootMessageId, root.id);
    assert.equal(ev.messageId, reply.id);
    assert.equal(ev.seq, seq);
    assert.equal(ev.senderId, user.id);
    assert.match(ev.timestamp, ISO_MS_RE);
    // The signal is enough to fetch exactly what changed.
    const page = assertStatus(await alice.client.get(`${path}?after=${ev.seq - 1}`), 200);
    assert.equal(page.replies[0].id, ev.messageId);
  }
  // A reply is no room message: no room.msg.new for it.
  await sleep(300);
  assert.deepEqual(s.bob.relays((e) => e['msg-type'] === 'room.msg.new' && e.messageId !== root.id), []);
  assert.deepEqual(s.carol.relays((e) => e.roomId === room.id), [], 'an outsider gets nothing');
});
