// Reactions: PUT / DELETE /rooms/{id}/messages/{messageId}/reactions/{emoji}
// (idempotent, emoji rules), the reactions summary [{emoji, count, me}] on the
// message endpoints, tombstones, and outsiders who never see any of it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, signUpMany, sleep, startServer,
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

async function newRoom() {
  return assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
}

async function post(user, roomId, text) {
  return assertStatus(await user.client.post(`/rooms/${roomId}/messages`, { text }), 201);
}

const url = (roomId, messageId, emoji) =>
  `/rooms/${roomId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;

describe('PUT and DELETE a reaction', () => {
  test('idempotent both ways, with counts and `me` per caller', async () => {
    const room = await newRoom();
    const m = await post(alice, room.id, 'react to me');
    let r = assertStatus(await alice.client.put(url(room.id, m.id, '👍')), 200);
    assert.deepEqual(r, { messageId: m.id, emoji: '👍', count: 1, reactions: [{ emoji: '👍', count: 1, me: true }] });
    r = assertStatus(await alice.client.put(url(room.id, m.id, '👍')), 200);
    assert.equal(r.count, 1, 'a repeated PUT changes nothing');
    r = assertStatus(await bob.client.put(url(room.id, m.id, '👍')), 200);
    assert.equal(r.count, 2);
    await sleep(3); // distinct first-use times keep the order below stable
    r = assertStatus(await bob.client.put(url(room.id, m.id, '👨‍👩‍👧‍👦')), 200);
    assert.deepEqual(r.reactions, [{ emoji: '👍', count: 2, me: true }, { emoji: '👨‍👩‍👧‍👦', count: 1, me: true }]);

    const seen = assertStatus(await alice.client.get(`/rooms/${room.id}/messages/${m.id}`), 200);
    assert.deepEqual(seen.reactions, [{ emoji: '👍', count: 2, me: true }, { emoji: '👨‍👩‍👧‍👦', count: 1, me: false }]);

    r = assertStatus(await alice.client.delete(url(room.id, m.id, '👍')), 200);
    assert.equal(r.count, 1);
    assert.deepEqual(r.reactions[0], { emoji: '👍', count: 1, me: false });
    r = assertStatus(await alice.client.delete(url(room.id, m.id, '👍')), 200);
    assert.equal(r.count, 1, 'a repeated DELETE changes nothing');
    r = assertStatus(await alice.client.delete(url(room.id, m.id, '🎉')), 200);
    assert.equal(r.count, 0, 'removing a reaction nobody made is fine too');
  });

  test('the page of messages carries every summary', async () => {
    const room = await newRoom();
    const m1 = await post(alice, room.id, 'one');
    const m2 = await post(bob, room.id, 'two');
    const m3 = await post(bob, room.id, 'three');
    assert.deepEqual(m1.reactions, [], 'a new message has none');
    assertStatus(await alice.client.put(url(room.id, m1.id, '+1')), 200);
    assertStatus(await bob.client.put(url(room.id, m3.id, '❤️')), 200);
    assertStatus(await alice.client.put(url(room.id, m3.id, '❤️')), 200);
    const page = assertStatus(await bob.client.get(`/rooms/${room.id}/messages`), 200);
    assert.deepEqual(page.messages.map((m) => m.id), [m1.id, m2.id, m3.id]);
    assert.deepEqual(page.messages.map((m) => m.reactions), [
      [{ emoji: '+1', count: 1, me: false }],
      [],
      [{ emoji: '❤️', count: 2, me: true }],
    ]);
    // Paging keeps them with their messages.
    const older = assertStatus(await bob.client.get(`/rooms/${room.id}/messages?before=3&limit=1`), 200);
    assert.deepEqual(older.messages.map((m) => m.reactions), [[]]);
    const newer = assertStatus(await bob.client.get(`/rooms/${room.id}/messages?after=0&limit=1`), 200);
    assert.deepEqual(newer.messages[0].reactions, [{ emoji: '+1', count: 1, me: false }]);
  });

  test('a deleted message takes no reactions and shows none', async () => {
    const room = await newRoom();
    const m = await post(alice, room.id, 'soon gone');
    assertStatus(await bob.client.put(url(room.id, m.id, '👍')), 200);
    assertStatus(await alice.client.delete(`/rooms/${room.id}/messages/${m.id}`), 204);
    assertError(await bob.client.put(url(room.id, m.id, '🎉')), 409, 'message_deleted');
    assertError(await bob.client.delete(url(room.id, m.id, '👍')), 409, 'message_deleted');
    const tomb = assertStatus(await bob.client.get(`/rooms/${room.id}/messages/${m.id}`), 200);
    assert.equal(tomb.deleted, true);
    assert.deepEqual(tomb.reactions, []);
  });

  test('emoji rules: 400 for empty, long, spaced, control characters', async () => {
    const room = await newRoom();
    const m = await post(alice, room.id, 'x');
    for (const bad of ['x'.repeat(17), 'a b', ' ', '👍\t', 'a\u00a0b', '\u3000', '\u0085', '\u0007']) {
      assertValidation(await alice.client.put(url(room.id, m.id, bad)), ['emoji']);
    }
    // Percent-encoded bytes that are not UTF-8.
    assertValidation(await alice.client.put(`/rooms/${room.id}/messages/${m.id}/reactions/%FF`), ['emoji']);
    assertValidation(await alice.client.put(`/rooms/${room.id}/messages/${m.id}/reactions/%ED%A0%80`), ['emoji']);
    // An empty segment matches no route.
    assertError(await alice.client.put(`/rooms/${room.id}/messages/${m.id}/reactions/`), 404);
    for (const ok of ['x'.repeat(16), '🇰🇷', '1️⃣', ':party:']) {
      assertStatus(await alice.client.put(url(room.id, m.id, ok)), 200);
    }
    const seen = assertStatus(await alice.client.get(`/rooms/${room.id}/messages/${m.id}`), 200);
    assert.equal(seen.reactions.length, 4);
  });
});

describe('outsiders and unknown ids', () => {
  test('a non-participant gets 404 and never sees reactions', async () => {
    const room = await newRoom();
    const m = await post(alice, room.id, 'private');
    assertStatus(await bob.client.put(url(room.id, m.id, '👍')), 200);
    assertError(await carol.client.put(url(room.id, m.id, '👍')), 404, 'not_found');
    assertError(await carol.client.delete(url(room.id, m.id, '👍')), 404, 'not_found');
    // Even with a bad emoji: the room check comes first and says nothing.
    assertError(await carol.client.put(url(room.id, m.id, 'a b')), 404, 'not_found');
    assertError(await carol.client.get(`/rooms/${room.id}/messages/${m.id}`), 404, 'not_found');
    assertError(await carol.client.get(`/rooms/${room.id}/messages`), 404, 'not_found');
    const seen = assertStatus(await alice.client.get(`/rooms/${room.id}/messages/${m.id}`), 200);
    assert.deepEqual(seen.reactions, [{ emoji: '👍', count: 1, me: false }], 'carol added nothing');
  });

  test('unknown room or message, a message of another room: 404; no token: 401', async () => {
    const room = await newRoom();
    const other = await newRoom();
    const m = await post(alice, room.id, 'here');
    assertError(await alice.client.put(url(randomUUID(), m.id, '👍')), 404, 'not_found');
    assertError(await alice.client.put(url(room.id, randomUUID(), '👍')), 404, 'not_found');
    assertError(await alice.client.put(url(other.id, m.id, '👍')), 404, 'not_found');
    assertError(await alice.client.put(url('not-a-uuid', m.id, '👍')), 404, 'not_found');
    assertError(await alice.client.put(url(room.id, 'not-a-uuid', '👍')), 404, 'not_found');
    assertError(await anon.put(url(room.id, m.id, '👍')), 401, 'unauthorized');
  });

  test('after leaving a room its reactions are out of reach', async () => {
    const room = await newRoom();
    const m = await post(alice, room.id, 'bye');
    assertStatus(await bob.client.put(url(room.id, m.id, '👋')), 200);
    assertStatus(await bob.client.delete(`/rooms/${room.id}/participants/me`), 204);
    assertError(await bob.client.delete(url(room.id, m.id, '👋')), 404, 'not_found');
    const seen = assertStatus(await alice.client.get(`/rooms/${room.id}/messages/${m.id}`), 200);
    assert.deepEqual(seen.reactions, [{ emoji: '👋', count: 1, me: false }], 'his reaction stays');
  });
});
