// Rooms and participants: create, list (recent activity first, unread
// counts, last message, cursor pagination), get, rename, participants,
// invite, leave — and 404 for every room route to a non-participant.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, ISO_MS_RE, signUpMany, sleep, startServer,
  UUID_RE,
} from './lib/server.mjs';

const NO_SUCH_ID = '00000000-0000-4000-8000-00000000abcd';

let srv;
let anon;
let alice;
let bob;
let carol; // never in alice's and bob's shared rooms unless a test invites her
let dave;
before(async () => {
  srv = await startServer();
  anon = api(srv.baseUrl);
  [alice, bob, carol, dave] = await signUpMany(srv.baseUrl, 4);
});
after(() => srv?.stop());

async function createRoom(owner, body) {
  const res = await owner.client.post('/rooms', body);
  return assertStatus(res, 201);
}

describe('POST /rooms', () => {
  test('creates a room with the creator and the invited users', async () => {
    const res = await alice.client.post('/rooms', { name: ' Team ', participantIds: [bob.id] });
    const room = assertStatus(res, 201);
    assert.match(room.id, UUID_RE);
    assert.equal(res.headers.get('location'), `/rooms/${room.id}`);
    assert.equal(room.name, 'Team');
    assert.equal(room.createdBy, alice.id);
    assert.match(room.createdAt, ISO_MS_RE);
    assert.equal(room.lastSeq, 0);
    assert.equal(room.lastActivityAt, room.createdAt);
    assert.equal(room.lastReadSeq, 0);
    assert.equal(room.unreadCount, 0);
    assert.equal(room.lastMessage, null);
    assert.deepEqual(room.participants.map((p) => p.userId), [alice.id, bob.id]);
    for (const p of room.participants) {
      assert.match(p.joinedAt, ISO_MS_RE);
      assert.equal(p.lastReadSeq, 0);
    }
    assert.deepEqual(room.participants.map((p) => p.nickname), [alice.nickname, bob.nickname]);
  });

  test('name is optional; duplicates and the creator in participantIds are ignored', async () => {
    const room = await createRoom(alice, { participantIds: [bob.id, bob.id.toUpperCase(), alice.id] });
    assert.equal(room.name, null);
    assert.deepEqual(room.participants.map((p) => p.userId), [alice.id, bob.id]);
    const solo = await createRoom(alice, { participantIds: [] });
    assert.deepEqual(solo.participants.map((p) => p.userId), [alice.id]);
  });

  test('validation lists every bad field', async () => {
    assertValidation(await alice.client.post('/rooms', {}), ['participantIds']);
    assertValidation(await alice.client.post('/rooms', { name: '', participantIds: 'x' }), ['name', 'participantIds']);
    assertValidation(await alice.client.post('/rooms', { name: 5, participantIds: [42] }), ['name', 'participantIds']);
    assertValidation(await alice.client.post('/rooms', { name: 'x'.repeat(101), participantIds: ['not-a-uuid'] }),
      ['name', 'participantIds']);
    const many = Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    assertValidation(await alice.client.post('/rooms', { participantIds: many }), ['participantIds']);
    assertError(await alice.client.request('POST', '/rooms', { rawBody: '{"participantIds": [', contentType: 'application/json' }),
      400, 'bad_request');
    assertError(await alice.client.request('POST', '/rooms', { rawBody: '{"participantIds": []}' }),
      415, 'unsupported_media_type');
  });

  test('an unknown user id is 404 and creates nothing', async () => {
    const before = assertStatus(await carol.client.get('/rooms?limit=100'), 200).rooms.length;
    assertError(await carol.client.post('/rooms', { participantIds: [dave.id, NO_SUCH_ID] }), 404, 'not_found');
    const afterwards = assertStatus(await carol.client.get('/rooms?limit=100'), 200).rooms.length;
    assert.equal(afterwards, before);
    const daves = assertStatus(await dave.client.get('/rooms?limit=100'), 200).rooms;
    assert.ok(!daves.some((r) => r.createdBy === carol.id));
  });
});

describe('GET /rooms/{id}, PATCH /rooms/{id}', () => {
  let room;
  before(async () => {
    room = await createRoom(alice, { name: 'get-me', participantIds: [bob.id] });
  });

  test('participants get the room as they see it', async () => {
    for (const u of [alice, bob]) {
      const r = assertStatus(await u.client.get(`/rooms/${room.id}`), 200);
      assert.equal(r.id, room.id);
      assert.equal(r.name, 'get-me');
      assert.equal(r.participants, undefined);
    }
    assertStatus(await alice.client.get(`/rooms/${room.id.toUpperCase()}`), 200);
  });

  test('any participant renames; null clears the name', async () => {
    const r = assertStatus(await bob.client.patch(`/rooms/${room.id}`, { name: 'renamed' }), 200);
    assert.equal(r.name, 'renamed');
    assert.equal(assertStatus(await alice.client.get(`/rooms/${room.id}`), 200).name, 'renamed');
    const cleared = assertStatus(await alice.client.patch(`/rooms/${room.id}`, { name: null }), 200);
    assert.equal(cleared.name, null);
    assertValidation(await alice.client.patch(`/rooms/${room.id}`, {}), ['name']);
    assertValidation(await alice.client.patch(`/rooms/${room.id}`, { name: '' }), ['name']);
    assertValidation(await alice.client.patch(`/rooms/${room.id}`, { name: ['x'] }), ['name']);
  });

  test('unknown and malformed ids are 404', async () => {
    assertError(await alice.client.get(`/rooms/${NO_SUCH_ID}`), 404, 'not_found');
    assertError(await alice.client.get('/rooms/nope'), 404, 'not_found');
  });
});

describe('participants', () => {
  test('list, invite, invite again, leave, rejoin', async () => {
    const room = await createRoom(alice, { participantIds: [bob.id] });
    const list = assertStatus(await bob.client.get(`/rooms/${room.id}/participants`), 200);
    assert.deepEqual(list.participants.map((p) => p.userId), [alice.id, bob.id]);

    // carol cannot see it yet
    assertError(await carol.client.get(`/rooms/${room.id}`), 404, 'not_found');
    const inv = assertStatus(await bob.client.post(`/rooms/${room.id}/participants`, { userIds: [carol.id] }), 200);
    assert.deepEqual(inv.added.map((p) => p.userId), [carol.id]);
    assert.equal(inv.added[0].nickname, carol.nickname);
    assertStatus(await carol.client.get(`/rooms/${room.id}`), 200);
    // Inviting someone already in the room adds nobody.
    const again = assertStatus(await alice.client.post(`/rooms/${room.id}/participants`, { userIds: [carol.id, bob.id] }), 200);
    assert.deepEqual(again.added, []);
    const three = assertStatus(await alice.client.get(`/rooms/${room.id}/participants`), 200).participants;
    assert.deepEqual(three.map((p) => p.userId), [alice.id, bob.id, carol.id]);

    // carol leaves: 204, then 404 everywhere, and a second leave is 404 too.
    const left = await carol.client.delete(`/rooms/${room.id}/participants/me`);
    assert.equal(left.status, 204, left.text);
    assertError(await carol.client.get(`/rooms/${room.id}`), 404, 'not_found');
    assertError(await carol.client.delete(`/rooms/${room.id}/participants/me`), 404, 'not_found');
    const two = assertStatus(await alice.client.get(`/rooms/${room.id}/participants`), 200).participants;
    assert.deepEqual(two.map((p) => p.userId), [alice.id, bob.id]);
    assert.ok(!assertStatus(await carol.client.get('/rooms?limit=100'), 200).rooms.some((r) => r.id === room.id));

    // and can be invited back
    const back = assertStatus(await alice.client.post(`/rooms/${room.id}/participants`, { userIds: [carol.id] }), 200);
    assert.deepEqual(back.added.map((p) => p.userId), [carol.id]);
    assertStatus(await carol.client.get(`/rooms/${room.id}`), 200);
  });

  test('invite validation; unknown users are 404 and nobody is added', async () => {
    const room = await createRoom(alice, { participantIds: [] });
    assertValidation(await alice.client.post(`/rooms/${room.id}/participants`, {}), ['userIds']);
    assertValidation(await alice.client.post(`/rooms/${room.id}/participants`, { userIds: [] }), ['userIds']);
    assertValidation(await alice.client.post(`/rooms/${room.id}/participants`, { userIds: ['x'] }), ['userIds']);
    assertValidation(await alice.client.post(`/rooms/${room.id}/participants`, { userIds: bob.id }), ['userIds']);
    assertError(await alice.client.post(`/rooms/${room.id}/participants`, { userIds: [bob.id, NO_SUCH_ID] }), 404, 'not_found');
    const ps = assertStatus(await alice.client.get(`/rooms/${room.id}/participants`), 200).participants;
    assert.deepEqual(ps.map((p) => p.userId), [alice.id]);
  });

  test('the last participant leaving does not break anything', async () => {
    const room = await createRoom(dave, { participantIds: [] });
    assert.equal((await dave.client.delete(`/rooms/${room.id}/participants/me`)).status, 204);
    assertError(await dave.client.get(`/rooms/${room.id}`), 404, 'not_found');
  });
});

describe('a non-participant gets 404 for every room route', () => {
  let room;
  let message;
  before(async () => {
    room = await createRoom(alice, { name: 'private', participantIds: [bob.id] });
    message = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'secret' }), 201);
  });

  const routes = (roomId, messageId) => [
    ['GET', `/rooms/${roomId}`],
    ['PATCH', `/rooms/${roomId}`, { name: 'hijacked' }],
    ['GET', `/rooms/${roomId}/participants`],
    ['POST', `/rooms/${roomId}/participants`, { userIds: [] }],
    ['POST', `/rooms/${roomId}/participants`, { userIds: [carol.id] }],
    ['DELETE', `/rooms/${roomId}/participants/me`],
    ['GET', `/rooms/${roomId}/messages`],
    ['GET', `/rooms/${roomId}/messages?after=0&limit=10`],
    ['POST', `/rooms/${roomId}/messages`, { text: 'intrusion' }],
    ['GET', `/rooms/${roomId}/messages/${messageId}`],
    ['DELETE', `/rooms/${roomId}/messages/${messageId}`],
    ['PUT', `/rooms/${roomId}/read`, { seq: 1 }],
  ];

  test('404 with the same answer as for a room that does not exist', async () => {
    for (const [method, path, body] of routes(room.id, message.id)) {
      const res = await carol.client.request(method, path, { body });
      if (method === 'POST' && body?.userIds?.length === 0) {
        // Validation comes first (it needs no knowledge of the room).
        assertValidation(res, ['userIds']);
        continue;
      }
      const err = assertError(res, 404, 'not_found');
      const missing = await carol.client.request(method, path.replace(room.id, NO_SUCH_ID), { body });
      const err2 = assertError(missing, 404, 'not_found');
      assert.equal(err.message, err2.message, `${method} ${path} reveals nothing`);
    }
  });

  test('nothing changed', async () => {
    const r = assertStatus(await alice.client.get(`/rooms/${room.id}`), 200);
    assert.equal(r.name, 'private');
    assert.equal(r.lastSeq, 1);
    const ps = assertStatus(await alice.client.get(`/rooms/${room.id}/participants`), 200).participants;
    assert.deepEqual(ps.map((p) => p.userId), [alice.id, bob.id]);
    const m = assertStatus(await alice.client.get(`/rooms/${room.id}/messages/${message.id}`), 200);
    assert.equal(m.deleted, false);
    assert.equal(m.text, 'secret');
    assert.ok(!assertStatus(await carol.client.get('/rooms?limit=100'), 200).rooms.some((x) => x.id === room.id));
  });
});

describe('GET /rooms (my rooms)', () => {
  let users;
  before(async () => {
    users = await signUpMany(srv.baseUrl, 2);
  });

  test('most recent activity first, with lastMessage and unread counts', async () => {
    const [u, v] = users;
    const rooms = [];
    for (const name of ['r1', 'r2', 'r3']) {
      rooms.push(await createRoom(u, { name, participantIds: [v.id] }));
      await sleep(5); // distinct activity times
    }
    const names = (list) => list.rooms.map((r) => r.name);
    let list = assertStatus(await u.client.get('/rooms'), 200);
    assert.deepEqual(names(list), ['r3', 'r2', 'r1']);
    assert.equal(list.nextCursor, null);

    // A message moves its room to the top.
    const m1 = assertStatus(await v.client.post(`/rooms/${rooms[0].id}/messages`, { text: 'hello r1' }), 201);
    await sleep(5);
    list = assertStatus(await u.client.get('/rooms'), 200);
    assert.deepEqual(names(list), ['r1', 'r3', 'r2']);
    const r1 = list.rooms[0];
    assert.equal(r1.lastSeq, 1);
    assert.equal(r1.unreadCount, 1);
    assert.equal(r1.lastReadSeq, 0);
    // The preview leaves out what comes with the message itself: files,
    // thread summary and reactions.
    const { files, threadId, replyCount, lastReplyAt, reactions, ...preview } = m1;
    assert.deepEqual(r1.lastMessage, preview);
    assert.equal(r1.lastActivityAt, m1.createdAt);
    assert.equal(list.rooms[1].lastMessage, null);
    assert.equal(list.rooms[1].unreadCount, 0);
    // The sender has read their own message.
    const vr1 = assertStatus(await v.client.get('/rooms'), 200).rooms[0];
    assert.equal(vr1.id, rooms[0].id);
    assert.equal(vr1.unreadCount, 0);
    assert.equal(vr1.lastReadSeq, 1);

    await v.client.post(`/rooms/${rooms[1].id}/messages`, { text: 'a' });
    await sleep(5);
    await v.client.post(`/rooms/${rooms[1].id}/messages`, { text: 'b' });
    list = assertStatus(await u.client.get('/rooms'), 200);
    assert.deepEqual(names(list), ['r2', 'r1', 'r3']);
    assert.deepEqual(list.rooms.map((r) => r.unreadCount), [2, 1, 0]);
    assert.equal(list.rooms[0].lastMessage.text, 'b');

    // Reading moves the unread count, not the order.
    assertStatus(await u.client.put(`/rooms/${rooms[1].id}/read`, { seq: 2 }), 200);
    list = assertStatus(await u.client.get('/rooms'), 200);
    assert.deepEqual(names(list), ['r2', 'r1', 'r3']);
    assert.deepEqual(list.rooms.map((r) => r.unreadCount), [0, 1, 0]);
  });

  test('cursor pagination: limit, nextCursor, no duplicates or gaps', async () => {
    const [u] = users;
    const [w] = await signUpMany(srv.baseUrl, 1);
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push(await createRoom(w, { name: `p${i}`, participantIds: [u.id] }));
      await sleep(3);
    }
    const all = assertStatus(await w.client.get('/rooms?limit=100'), 200);
    assert.equal(all.nextCursor, null);
    assert.deepEqual(all.rooms.map((r) => r.name), ['p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);

    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const q = cursor ? `/rooms?limit=3&cursor=${encodeURIComponent(cursor)}` : '/rooms?limit=3';
      const page = assertStatus(await w.client.get(q), 200);
      assert.ok(page.rooms.length <= 3);
      seen.push(...page.rooms.map((r) => r.name));
      cursor = page.nextCursor;
      pages++;
      if (cursor !== null) assert.equal(typeof cursor, 'string');
    } while (cursor !== null && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);

    // Exactly `limit` rooms left: no empty extra page.
    const two = assertStatus(await w.client.get('/rooms?limit=7'), 200);
    assert.equal(two.rooms.length, 7);
    assert.equal(two.nextCursor, null);
    // Default limit is 20.
    const d = assertStatus(await u.client.get('/rooms'), 200);
    assert.equal(d.rooms.length, 10);
  });

  test('bad limit or cursor is 400', async () => {
    const [u] = users;
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=-1', 'limit=1.5']) {
      assertValidation(await u.client.get(`/rooms?${q}`), ['limit']);
    }
    for (const c of ['garbage', '123', '123.not-a-uuid', 'x.00000000-0000-4000-8000-000000000000']) {
      assertValidation(await u.client.get(`/rooms?cursor=${encodeURIComponent(c)}`), ['cursor']);
    }
    assertStatus(await u.client.get('/rooms?limit=100'), 200);
    assertStatus(await u.client.get('/rooms?limit=1'), 200);
  });

  test('a user without rooms gets an empty list', async () => {
    const [n] = await signUpMany(srv.baseUrl, 1);
    assert.deepEqual(assertStatus(await n.client.get('/rooms'), 200), { rooms: [], nextCursor: null });
  });
});
