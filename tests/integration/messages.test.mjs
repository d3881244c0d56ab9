// Room messages: send, get, history by seq cursor (before / after / limit /
// hasMore), gapless seq under concurrent posts, soft delete (sender only,
// tombstone), read markers and unread counts.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, ISO_MS_RE, signUpMany, startServer, UUID_RE,
} from './lib/server.mjs';

let srv;
let anon;
let alice;
let bob;
let carol; // outsider
before(async () => {
  srv = await startServer();
  anon = api(srv.baseUrl);
  [alice, bob, carol] = await signUpMany(srv.baseUrl, 3);
});
after(() => srv?.stop());

async function newRoom(participants = [bob]) {
  const res = await alice.client.post('/rooms', { participantIds: participants.map((p) => p.id) });
  return assertStatus(res, 201);
}

async function post(user, roomId, text) {
  return assertStatus(await user.client.post(`/rooms/${roomId}/messages`, { text }), 201);
}

const seqs = (page) => page.messages.map((m) => m.seq);
// A room's lastMessage carries a message's own fields, not its files, thread
// summary and reactions.
const ownFields = ({ files, threadId, replyCount, lastReplyAt, reactions, ...own }) => own;
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('POST /rooms/{id}/messages', () => {
  test('201 with the stored message and its Location', async () => {
    const room = await newRoom();
    const text = 'Hello, 세계 👋\nsecond line\twith tab';
    const res = await alice.client.post(`/rooms/${room.id}/messages`, { text });
    const m = assertStatus(res, 201);
    assert.match(m.id, UUID_RE);
    assert.equal(res.headers.get('location'), `/rooms/${room.id}/messages/${m.id}`);
    assert.deepEqual(Object.keys(m).sort(),
      ['createdAt', 'deleted', 'files', 'hasThread', 'id', 'lastReplyAt', 'reactions', 'replyCount',
        'roomId', 'senderId', 'seq', 'text', 'threadId']);
    assert.deepEqual(m.files, []);
    assert.equal(m.threadId, null);
    assert.equal(m.replyCount, 0);
    assert.equal(m.lastReplyAt, null);
    assert.deepEqual(m.reactions, []);
    assert.equal(m.roomId, room.id);
    assert.equal(m.seq, 1);
    assert.equal(m.senderId, alice.id);
    assert.equal(m.text, text, 'text is stored verbatim');
    assert.match(m.createdAt, ISO_MS_RE);
    assert.equal(m.hasThread, false);
    assert.equal(m.deleted, false);
    const m2 = await post(bob, room.id, '  padded  ');
    assert.equal(m2.seq, 2);
    assert.equal(m2.text, '  padded  ', 'text is not trimmed');
    const r = assertStatus(await alice.client.get(`/rooms/${room.id}`), 200);
    assert.equal(r.lastSeq, 2);
    assert.deepEqual(r.lastMessage, ownFields(m2),
      'lastMessage: the message without files, thread summary and reactions');
  });

  test('text validation', async () => {
    const room = await newRoom();
    const url = `/rooms/${room.id}/messages`;
    assertValidation(await alice.client.post(url, {}), ['text']);
    assertValidation(await alice.client.post(url, { text: '' }), ['text']);
    assertValidation(await alice.client.post(url, { text: ' \n\t ' }), ['text']);
    assertValidation(await alice.client.post(url, { text: 42 }), ['text']);
    assertValidation(await alice.client.post(url, { text: { a: 1 } }), ['text']);
    assertValidation(await alice.client.post(url, { text: 'x'.repeat(10_001) }), ['text']);
    assertValidation(await alice.client.post(url, { text: 'bell\u0007' }), ['text']);
    assertError(await alice.client.request('POST', url, { rawBody: '{"text": "unterminated', contentType: 'application/json' }),
      400, 'bad_request');
    assertError(await alice.client.request('POST', url, { rawBody: '{"text": "x"}', contentType: 'text/plain' }),
      415, 'unsupported_media_type');
    // 10 000 characters (not bytes) is the maximum.
    assert.equal((await post(alice, room.id, '가'.repeat(10_000))).seq, 1);
    assert.equal(assertStatus(await alice.client.get(`/rooms/${room.id}`), 200).lastSeq, 1, 'nothing else stored');
  });

  test('seq stays gapless and increasing under 20 concurrent posts', async () => {
    const room = await newRoom();
    await post(alice, room.id, 'first');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? bob : alice).client.post(`/rooms/${room.id}/messages`, { text: `concurrent ${i}` })));
    for (const r of results) assertStatus(r, 201);
    const got = results.map((r) => r.body.seq).sort((a, b) => a - b);
    assert.deepEqual(got, range(2, 21));
    const page = assertStatus(await alice.client.get(`/rooms/${room.id}/messages?after=0&limit=200`), 200);
    assert.deepEqual(seqs(page), range(1, 21));
    // Each stored message is the one its POST answered with.
    const byId = new Map(page.messages.map((m) => [m.id, m]));
    for (const r of results) assert.deepEqual(byId.get(r.body.id), r.body);
    assert.equal(assertStatus(await bob.client.get(`/rooms/${room.id}`), 200).lastSeq, 21);
  });
});

describe('GET /rooms/{id}/messages (history)', () => {
  let room;
  const N = 130;
  before(async () => {
    room = await newRoom();
    // In batches: quick, and each batch still appends in seq order.
    for (let i = 0; i < N; i += 10) {
      await Promise.all(range(i + 1, Math.min(i + 10, N)).map((n) =>
        (n % 3 ? alice : bob).client.post(`/rooms/${room.id}/messages`, { text: `m${n}` })));
    }
    assert.equal(assertStatus(await alice.client.get(`/rooms/${room.id}`), 200).lastSeq, N);
  });
  const get = (q) => bob.client.get(`/rooms/${room.id}/messages${q}`);

  test('default: the newest 50, oldest first, hasMore', async () => {
    const page = assertStatus(await get(''), 200);
    assert.deepEqual(Object.keys(page).sort(), ['hasMore', 'messages']);
    assert.deepEqual(seqs(page), range(N - 49, N));
    assert.equal(page.hasMore, true);
    for (const m of page.messages) assert.equal(m.roomId, room.id);
  });

  test('paging back with before= until hasMore is false', async () => {
    const all = [];
    let page = assertStatus(await get('?limit=50'), 200);
    all.unshift(...seqs(page));
    let pages = 1;
    while (page.hasMore) {
      page = assertStatus(await get(`?before=${page.messages[0].seq}&limit=50`), 200);
      all.unshift(...seqs(page));
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(all, range(1, N));
    assert.deepEqual(seqs(assertStatus(await get('?before=21'), 200)), range(1, 20));
    assert.equal(assertStatus(await get('?before=21'), 200).hasMore, false);
    assert.deepEqual(assertStatus(await get('?before=1'), 200), { messages: [], hasMore: false });
  });

  test('paging forward with after= (catching up)', async () => {
    let page = assertStatus(await get('?after=0&limit=50'), 200);
    assert.deepEqual(seqs(page), range(1, 50));
    assert.equal(page.hasMore, true);
    page = assertStatus(await get('?after=100&limit=50'), 200);
    assert.deepEqual(seqs(page), range(101, N));
    assert.equal(page.hasMore, false);
    page = assertStatus(await get(`?after=${N - 30}&limit=30`), 200);
    assert.deepEqual(seqs(page), range(N - 29, N));
    assert.equal(page.hasMore, false, 'exactly limit left: no more');
    assert.deepEqual(assertStatus(await get(`?after=${N}`), 200), { messages: [], hasMore: false });
  });

  test('before and after together: the range between', async () => {
    const page = assertStatus(await get('?after=10&before=20'), 200);
    assert.deepEqual(seqs(page), range(11, 19));
    assert.equal(page.hasMore, false);
  });

  test('limit up to 200; 0, 201 and junk are 400', async () => {
    const page = assertStatus(await get('?limit=200'), 200);
    assert.deepEqual(seqs(page), range(1, N));
    assert.equal(page.hasMore, false);
    assert.deepEqual(seqs(assertStatus(await get('?limit=1'), 200)), [N]);
    assertValidation(await get('?limit=201'), ['limit']);
    assertValidation(await get('?limit=0'), ['limit']);
    assertValidation(await get('?limit=ten'), ['limit']);
    assertValidation(await get('?before=0'), ['before']);
    assertValidation(await get('?before=x'), ['before']);
    assertValidation(await get('?after=-1'), ['after']);
    assertValidation(await get('?after=1e3'), ['after']);
  });
});

describe('GET /rooms/{id}/messages/{messageId}', () => {
  test('200 for a participant; 404 for unknown ids, other rooms and outsiders', async () => {
    const room = await newRoom();
    const other = await newRoom();
    const m = await post(bob, room.id, 'find me');
    assert.deepEqual(assertStatus(await alice.client.get(`/rooms/${room.id}/messages/${m.id}`), 200), m);
    assert.deepEqual(assertStatus(await alice.client.get(`/rooms/${room.id}/messages/${m.id.toUpperCase()}`), 200), m);
    assertError(await alice.client.get(`/rooms/${room.id}/messages/00000000-0000-4000-8000-000000000000`), 404, 'not_found');
    assertError(await alice.client.get(`/rooms/${room.id}/messages/nope`), 404, 'not_found');
    assertError(await alice.client.get(`/rooms/${other.id}/messages/${m.id}`), 404, 'not_found');
    assertError(await carol.client.get(`/rooms/${room.id}/messages/${m.id}`), 404, 'not_found');
  });
});

describe('DELETE /rooms/{id}/messages/{messageId}', () => {
  test('only the sender deletes; the tombstone keeps id and seq', async () => {
    const room = await newRoom();
    const m1 = await post(alice, room.id, 'keep');
    const m2 = await post(alice, room.id, 'oops');
    const m3 = await post(bob, room.id, 'after');

    assertError(await bob.client.delete(`/rooms/${room.id}/messages/${m2.id}`), 403, 'forbidden');
    assertError(await carol.client.delete(`/rooms/${room.id}/messages/${m2.id}`), 404, 'not_found');
    assert.equal(assertStatus(await alice.client.get(`/rooms/${room.id}/messages/${m2.id}`), 200).text, 'oops');

    const res = await alice.client.delete(`/rooms/${room.id}/messages/${m2.id}`);
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    const t = assertStatus(await bob.client.get(`/rooms/${room.id}/messages/${m2.id}`), 200);
    assert.equal(t.id, m2.id);
    assert.equal(t.seq, m2.seq);
    assert.equal(t.senderId, alice.id);
    assert.equal(t.deleted, true);
    assert.equal(t.text, null);
    assert.match(t.deletedAt, ISO_MS_RE);
    assert.equal(t.createdAt, m2.createdAt);

    // History keeps the slot: seq stays gapless for clients.
    const page = assertStatus(await bob.client.get(`/rooms/${room.id}/messages`), 200);
    assert.deepEqual(seqs(page), [1, 2, 3]);
    assert.deepEqual(page.messages.map((m) => m.deleted), [false, true, false]);
    assert.deepEqual(page.messages.map((m) => m.text), ['keep', null, 'after']);

    // Deleting again is fine (idempotent); the sender still gets 204, others still 403.
    assert.equal((await alice.client.delete(`/rooms/${room.id}/messages/${m2.id}`)).status, 204);
    assertError(await bob.client.delete(`/rooms/${room.id}/messages/${m1.id}`), 403, 'forbidden');
    assertError(await alice.client.delete(`/rooms/${room.id}/messages/${m3.id}`), 403, 'forbidden');
    assertError(await alice.client.delete(`/rooms/${room.id}/messages/00000000-0000-4000-8000-000000000000`), 404, 'not_found');

    // Deleting the newest message: the room's lastMessage becomes the tombstone, seq continues.
    assert.equal((await bob.client.delete(`/rooms/${room.id}/messages/${m3.id}`)).status, 204);
    const r = assertStatus(await alice.client.get(`/rooms/${room.id}`), 200);
    assert.equal(r.lastSeq, 3);
    assert.equal(r.lastMessage.id, m3.id);
    assert.equal(r.lastMessage.deleted, true);
    assert.equal(r.lastMessage.text, null);
    assert.equal((await post(alice, room.id, 'next')).seq, 4);
  });

  test('a participant who left cannot delete their message any more', async () => {
    const room = await newRoom();
    const m = await post(bob, room.id, 'mine');
    assert.equal((await bob.client.delete(`/rooms/${room.id}/participants/me`)).status, 204);
    assertError(await bob.client.delete(`/rooms/${room.id}/messages/${m.id}`), 404, 'not_found');
  });
});

describe('PUT /rooms/{id}/read', () => {
  test('moves the read marker and the unread count, never backwards', async () => {
    const room = await newRoom();
    for (const t of ['1', '2', '3']) await post(alice, room.id, t);
    let r = assertStatus(await bob.client.get(`/rooms/${room.id}`), 200);
    assert.equal(r.unreadCount, 3);
    assert.equal(r.lastReadSeq, 0);
    assert.equal(assertStatus(await alice.client.get(`/rooms/${room.id}`), 200).unreadCount, 0,
      'own messages are not unread');

    let res = assertStatus(await bob.client.put(`/rooms/${room.id}/read`, { seq: 2 }), 200);
    assert.deepEqual(res, { roomId: room.id, lastReadSeq: 2, unreadCount: 1 });
    res = assertStatus(await bob.client.put(`/rooms/${room.id}/read`, { seq: 1 }), 200);
    assert.deepEqual(res, { roomId: room.id, lastReadSeq: 2, unreadCount: 1 }, 'never backwards');
    res = assertStatus(await bob.client.put(`/rooms/${room.id}/read`, { seq: 0 }), 200);
    assert.equal(res.lastReadSeq, 2);
    res = assertStatus(await bob.client.put(`/rooms/${room.id}/read`, { seq: 999 }), 200);
    assert.deepEqual(res, { roomId: room.id, lastReadSeq: 3, unreadCount: 0 }, 'clamped to the last seq');

    r = assertStatus(await bob.client.get(`/rooms/${room.id}`), 200);
    assert.equal(r.lastReadSeq, 3);
    assert.equal(r.unreadCount, 0);
    const ps = assertStatus(await alice.client.get(`/rooms/${room.id}/participants`), 200).participants;
    assert.deepEqual(ps.map((p) => [p.userId, p.lastReadSeq]), [[alice.id, 3], [bob.id, 3]]);

    // New messages are unread again; a deleted one no longer counts.
    const m4 = await post(alice, room.id, '4');
    await post(alice, room.id, '5');
    assert.equal(assertStatus(await bob.client.get(`/rooms/${room.id}`), 200).unreadCount, 2);
    assert.equal((await alice.client.delete(`/rooms/${room.id}/messages/${m4.id}`)).status, 204);
    assert.equal(assertStatus(await bob.client.get(`/rooms/${room.id}`), 200).unreadCount, 1);
    // Posting marks everything before as read for the poster.
    await post(bob, room.id, '6');
    r = assertStatus(await bob.client.get(`/rooms/${room.id}`), 200);
    assert.equal(r.lastReadSeq, 6);
    assert.equal(r.unreadCount, 0);
  });

  test('validation and outsiders', async () => {
    const room = await newRoom();
    const url = `/rooms/${room.id}/read`;
    assertValidation(await bob.client.put(url, {}), ['seq']);
    assertValidation(await bob.client.put(url, { seq: '2' }), ['seq']);
    assertValidation(await bob.client.put(url, { seq: -1 }), ['seq']);
    assertValidation(await bob.client.put(url, { seq: 1.5 }), ['seq']);
    assertValidation(await bob.client.put(url, { seq: true }), ['seq']);
    assertError(await bob.client.request('PUT', url, { rawBody: '{"seq":}', contentType: 'application/json' }),
      400, 'bad_request');
    assertError(await carol.client.put(url, { seq: 1 }), 404, 'not_found');
  });
});
