// Threads under room messages: any participant replies, replies page by a
// per-thread seq, the root shows hasThread / threadId / replyCount /
// lastReplyAt, repliers are recorded; outsiders, unknown ids, deleted roots
// and bad bodies get clear errors.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, ISO_MS_RE, signUpMany, startServer, UUID_RE,
} from './lib/server.mjs';

let srv;
let alice;
let bob;
let carol; // outsider
before(async () => {
  srv = await startServer();
  [alice, bob, carol] = await signUpMany(srv.baseUrl, 3);
});
after(() => srv?.stop());

async function newRoomWithRoot() {
  const room = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
  const root = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'root' }), 201);
  return { room, root, thread: `/rooms/${room.id}/messages/${root.id}/thread` };
}

const reply = async (user, path, text) => assertStatus(await user.client.post(path, { text }), 201);

describe('POST /rooms/{id}/messages/{messageId}/thread', () => {
  test('201 with the reply; the root shows the thread', async () => {
    const { room, root, thread } = await newRoomWithRoot();
    const res = await bob.client.post(thread, { text: 'first reply' });
    const r1 = assertStatus(res, 201);
    assert.equal(res.headers.get('location'), thread);
    assert.deepEqual(Object.keys(r1).sort(),
      ['createdAt', 'files', 'id', 'roomId', 'rootMessageId', 'senderId', 'seq', 'text', 'threadId']);
    assert.match(r1.id, UUID_RE);
    assert.match(r1.threadId, UUID_RE);
    assert.equal(r1.rootMessageId, root.id);
    assert.equal(r1.roomId, room.id);
    assert.equal(r1.senderId, bob.id);
    assert.equal(r1.seq, 1);
    assert.equal(r1.text, 'first reply');
    assert.match(r1.createdAt, ISO_MS_RE);
    assert.deepEqual(r1.files, []);
    const r2 = await reply(alice, thread, 'second');
    assert.equal(r2.seq, 2);
    assert.equal(r2.threadId, r1.threadId);

    const got = assertStatus(await bob.client.get(`/rooms/${room.id}/messages/${root.id}`), 200);
    assert.equal(got.hasThread, true);
    assert.equal(got.threadId, r1.threadId);
    assert.equal(got.replyCount, 2);
    assert.equal(got.lastReplyAt, r2.createdAt);
    const page = assertStatus(await bob.client.get(`/rooms/${room.id}/messages`), 200);
    const listed = page.messages.find((m) => m.id === root.id);
    assert.equal(listed.replyCount, 2);
    assert.equal(listed.hasThread, true);
    // Replies are not room messages.
    assert.equal(page.messages.length, 1);
  });

  test('replies need a participant, a known root of that room and a live root', async () => {
    const { room, root, thread } = await newRoomWithRoot();
    assertError(await carol.client.post(thread, { text: 'hi' }), 404, 'not_found');
    assertError(await api(srv.baseUrl).post(thread, { text: 'hi' }), 401, 'unauthorized');
    assertError(await alice.client.post(`/rooms/${room.id}/messages/${randomUUID()}/thread`, { text: 'x' }),
      404, 'not_found');
    assertError(await alice.client.post(`/rooms/${room.id}/messages/not-a-uuid/thread`, { text: 'x' }),
      404, 'not_found');
    assertError(await alice.client.post(`/rooms/${randomUUID()}/messages/${root.id}/thread`, { text: 'x' }),
      404, 'not_found');
    // A message of another room, under this room's path.
    const other = assertStatus(await carol.client.post('/rooms', { participantIds: [] }), 201);
    const foreign = assertStatus(await carol.client.post(`/rooms/${other.id}/messages`, { text: 'c' }), 201);
    assertError(await alice.client.post(`/rooms/${room.id}/messages/${foreign.id}/thread`, { text: 'x' }),
      404, 'not_found');

    await reply(bob, thread, 'before the deletion');
    assertStatus(await alice.client.delete(`/rooms/${room.id}/messages/${root.id}`), 204);
    assertError(await bob.client.post(thread, { text: 'too late' }), 409, 'message_deleted');
    // What was said stays readable.
    const page = assertStatus(await bob.client.get(thread), 200);
    assert.equal(page.replies.length, 1);
    assert.equal(page.rootMessage.deleted, true);
  });

  test('400 for a missing, blank or oversized text and bad fileIds', async () => {
    const { thread } = await newRoomWithRoot();
    assertValidation(await alice.client.post(thread, {}), ['text']);
    assertValidation(await alice.client.post(thread, { text: ' \n ' }), ['text']);
    assertValidation(await alice.client.post(thread, { text: 'x'.repeat(10_001) }), ['text']);
    assertValidation(await alice.client.post(thread, { text: 'x', fileIds: 'nope' }), ['fileIds']);
    assertValidation(await alice.client.post(thread, { text: 'x', fileIds: [randomUUID()] }), ['fileIds']);
    assertError(await alice.client.request('POST', thread, { rawBody: '{', contentType: 'application/json' }),
      400);
  });
});

describe('GET /rooms/{id}/messages/{messageId}/thread', () => {
  test('replies by seq with after / limit / hasMore, the root and the repliers', async () => {
    const { room, root, thread } = await newRoomWithRoot();
    const empty = assertStatus(await bob.client.get(thread), 200);
    assert.equal(empty.threadId, null);
    assert.deepEqual(empty.replies, []);
    assert.deepEqual(empty.participants, []);
    assert.equal(empty.hasMore, false);
    assert.equal(empty.rootMessage.id, root.id);
    assert.equal(empty.rootMessage.hasThread, false);

    for (let i = 1; i <= 5; i++) await reply(i % 2 ? bob : alice, thread, `r${i}`);
    const all = assertStatus(await alice.client.get(thread), 200);
    assert.deepEqual(all.replies.map((r) => r.text), ['r1', 'r2', 'r3', 'r4', 'r5']);
    assert.deepEqual(all.replies.map((r) => r.seq), [1, 2, 3, 4, 5]);
    assert.equal(all.hasMore, false);
    assert.deepEqual(all.participants, [bob.id, alice.id]);
    assert.equal(all.rootMessage.replyCount, 5);
    assert.equal(all.threadId, all.replies[0].threadId);
    assert.equal(all.rootMessage.roomId, room.id);

    const first = assertStatus(await alice.client.get(`${thread}?limit=2`), 200);
    assert.deepEqual(first.replies.map((r) => r.seq), [1, 2]);
    assert.equal(first.hasMore, true);
    const next = assertStatus(await alice.client.get(`${thread}?after=2&limit=2`), 200);
    assert.deepEqual(next.replies.map((r) => r.seq), [3, 4]);
    const last = assertStatus(await alice.client.get(`${thread}?after=4&limit=2`), 200);
    assert.deepEqual(last.replies.map((r) => r.seq), [5]);
    assert.equal(last.hasMore, false);
  });

  test('outsiders and unknown ids get 404, bad cursors 400', async () => {
    const { room, thread } = await newRoomWithRoot();
    await reply(bob, thread, 'private');
    assertError(await carol.client.get(thread), 404, 'not_found');
    assertError(await alice.client.get(`/rooms/${room.id}/messages/${randomUUID()}/thread`), 404, 'not_found');
    assertError(await alice.client.get(`${thread}?limit=0`), 400);
    assertError(await alice.client.get(`${thread}?after=-1`), 400);
    assertError(await alice.client.get(`${thread}?after=abc`), 400);
    // Someone who left the room sees the thread no more.
    assertStatus(await bob.client.delete(`/rooms/${room.id}/participants/me`), 204);
    assertError(await bob.client.get(thread), 404, 'not_found');
  });

  test('concurrent replies get one thread and gapless seqs', async () => {
    const { thread } = await newRoomWithRoot();
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => reply(i % 2 ? alice : bob, thread, `c${i}`)));
    assert.equal(new Set(replies.map((r) => r.threadId)).size, 1);
    assert.deepEqual(replies.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
    const page = assertStatus(await alice.client.get(thread), 200);
    assert.equal(page.rootMessage.replyCount, 12);
  });
});
