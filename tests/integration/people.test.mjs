// The people book: POST /friends (by user id or e-mail; idempotent: 201 new,
// 200 existing), GET /friends (favorite / hidden filters, cursor pages),
// PATCH /friends/{userId}, DELETE /friends/{userId}.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, ISO_MS_RE, signUp, signUpMany, startServer,
} from './lib/server.mjs';

let srv;
let anon;
let alice;
let bob;
let carol;
before(async () => {
  srv = await startServer();
  anon = api(srv.baseUrl);
  [alice, bob, carol] = await signUpMany(srv.baseUrl, 3);
});
after(() => srv?.stop());

const ids = (page) => page.friends.map((f) => f.userId);

describe('POST /friends', () => {
  test('201 by user id, then 200 with the same entry (idempotent)', async () => {
    const owner = await signUp(srv.baseUrl);
    const res = await owner.client.post('/friends', { userId: bob.id });
    const entry = assertStatus(res, 201);
    assert.deepEqual(Object.keys(entry).sort(), ['addedAt', 'favorite', 'hidden', 'nickname', 'userId']);
    assert.equal(entry.userId, bob.id);
    assert.equal(entry.nickname, bob.nickname);
    assert.equal(entry.favorite, false);
    assert.equal(entry.hidden, false);
    assert.match(entry.addedAt, ISO_MS_RE);
    assert.equal(res.headers.get('location'), `/friends/${bob.id}`);
    const again = await owner.client.post('/friends', { userId: bob.id.toUpperCase() });
    assert.deepEqual(assertStatus(again, 200), entry);
    assert.deepEqual(ids(assertStatus(await owner.client.get('/friends'), 200)), [bob.id]);
    // One-sided: bob's book is untouched.
    assert.deepEqual(ids(assertStatus(await bob.client.get('/friends'), 200)), []);
  });

  test('by e-mail, in any case', async () => {
    const owner = await signUp(srv.baseUrl);
    const entry = assertStatus(await owner.client.post('/friends', { email: carol.email.toUpperCase() }), 201);
    assert.equal(entry.userId, carol.id);
  });

  test('yourself is 400, an unknown user 404, bad bodies 400', async () => {
    assertValidation(await alice.client.post('/friends', { userId: alice.id }), ['userId']);
    assertValidation(await alice.client.post('/friends', { email: alice.email }), ['email']);
    assertError(await alice.client.post('/friends', { userId: randomUUID() }), 404, 'not_found');
    assertError(await alice.client.post('/friends', { email: 'nobody-here@example.test' }), 404, 'not_found');
    assertValidation(await alice.client.post('/friends', {}), ['userId']);
    assertValidation(await alice.client.post('/friends', { userId: bob.id, email: bob.email }), ['userId']);
    assertValidation(await alice.client.post('/friends', { userId: 'not-a-uuid' }), ['userId']);
    assertValidation(await alice.client.post('/friends', { userId: 42 }), ['userId']);
    assertValidation(await alice.client.post('/friends', { email: 'no-at-sign' }), ['email']);
    assertError(await alice.client.request('POST', '/friends', { rawBody: '{"userId":', contentType: 'application/json' }),
      400, 'bad_request');
    assertError(await anon.post('/friends', { userId: bob.id }), 401, 'unauthorized');
  });

  test('a withdrawn user cannot be added and leaves the books', async () => {
    const owner = await signUp(srv.baseUrl);
    const leaving = await signUp(srv.baseUrl);
    assertStatus(await owner.client.post('/friends', { userId: leaving.id }), 201);
    assertStatus(await leaving.client.delete('/users/me'), 204);
    assert.deepEqual(ids(assertStatus(await owner.client.get('/friends'), 200)), []);
    assertError(await owner.client.post('/friends', { userId: leaving.id }), 404, 'not_found');
  });
});

describe('GET /friends', () => {
  let owner;
  let friends;
  before(async () => {
    owner = await signUp(srv.baseUrl);
    friends = await signUpMany(srv.baseUrl, 5);
    for (const f of friends) assertStatus(await owner.client.post('/friends', { userId: f.id }), 201);
    // 0: favorite, 1: hidden, 2: both.
    assertStatus(await owner.client.patch(`/friends/${friends[0].id}`, { favorite: true }), 200);
    assertStatus(await owner.client.patch(`/friends/${friends[1].id}`, { hidden: true }), 200);
    assertStatus(await owner.client.patch(`/friends/${friends[2].id}`, { favorite: true, hidden: true }), 200);
  });
  const sorted = (list) => [...list].sort();

  test('newest first; hidden ones only when asked for', async () => {
    const page = assertStatus(await owner.client.get('/friends'), 200);
    assert.equal(page.nextCursor, null);
    assert.deepEqual(sorted(ids(page)), sorted([friends[0].id, friends[3].id, friends[4].id]));
    const times = page.friends.map((f) => Date.parse(f.addedAt));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.deepEqual(sorted(ids(assertStatus(await owner.client.get('/friends?hidden=true'), 200))),
      sorted([friends[1].id, friends[2].id]));
    assert.equal(assertStatus(await owner.client.get('/friends?hidden=any'), 200).friends.length, 5);
    assert.deepEqual(ids(assertStatus(await owner.client.get('/friends?favorite=true'), 200)), [friends[0].id]);
    assert.deepEqual(sorted(ids(assertStatus(await owner.client.get('/friends?favorite=true&hidden=any'), 200))),
      sorted([friends[0].id, friends[2].id]));
    assert.deepEqual(ids(assertStatus(await owner.client.get('/friends?favorite=true&hidden=true'), 200)),
      [friends[2].id]);
    assert.deepEqual(sorted(ids(assertStatus(await owner.client.get('/friends?favorite=false'), 200))),
      sorted([friends[3].id, friends[4].id]));
  });

  test('cursor pages walk the whole list once', async () => {
    const all = ids(assertStatus(await owner.client.get('/friends?hidden=any'), 200));
    const walked = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const q = `/friends?hidden=any&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = assertStatus(await owner.client.get(q), 200);
      walked.push(...ids(page));
      assert.ok(page.friends.length <= 2);
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    assert.deepEqual(walked, all);
  });

  test('bad query parameters are 400', async () => {
    assertValidation(await owner.client.get('/friends?favorite=yes'), ['favorite']);
    assertValidation(await owner.client.get('/friends?hidden=1'), ['hidden']);
    assertValidation(await owner.client.get('/friends?limit=0'), ['limit']);
    assertValidation(await owner.client.get('/friends?limit=101'), ['limit']);
    assertValidation(await owner.client.get('/friends?cursor=junk'), ['cursor']);
    assertError(await anon.get('/friends'), 401, 'unauthorized');
  });
});

describe('PATCH and DELETE /friends/{userId}', () => {
  test('flags change one at a time; absent ones are kept', async () => {
    const owner = await signUp(srv.baseUrl);
    assertStatus(await owner.client.post('/friends', { userId: bob.id }), 201);
    let entry = assertStatus(await owner.client.patch(`/friends/${bob.id}`, { favorite: true }), 200);
    assert.equal(entry.favorite, true);
    assert.equal(entry.hidden, false);
    entry = assertStatus(await owner.client.patch(`/friends/${bob.id}`, { hidden: true }), 200);
    assert.equal(entry.favorite, true);
    assert.equal(entry.hidden, true);
    entry = assertStatus(await owner.client.patch(`/friends/${bob.id}`, { favorite: false, hidden: false }), 200);
    assert.equal(entry.favorite, false);
    assert.equal(entry.hidden, false);
  });

  test('bad bodies 400, entries not in the book 404', async () => {
    const owner = await signUp(srv.baseUrl);
    assertStatus(await owner.client.post('/friends', { userId: bob.id }), 201);
    assertValidation(await owner.client.patch(`/friends/${bob.id}`, {}), ['favorite']);
    assertValidation(await owner.client.patch(`/friends/${bob.id}`, { favorite: 'yes' }), ['favorite']);
    assertValidation(await owner.client.patch(`/friends/${bob.id}`, { hidden: 1 }), ['hidden']);
    assertError(await owner.client.patch(`/friends/${carol.id}`, { favorite: true }), 404, 'not_found');
    assertError(await owner.client.patch('/friends/not-a-uuid', { favorite: true }), 404, 'not_found');
    assertError(await owner.client.delete(`/friends/${randomUUID()}`), 404, 'not_found');
  });

  test('DELETE removes the entry; again is 404', async () => {
    const owner = await signUp(srv.baseUrl);
    assertStatus(await owner.client.post('/friends', { userId: bob.id }), 201);
    assertStatus(await owner.client.delete(`/friends/${bob.id}`), 204);
    assert.deepEqual(ids(assertStatus(await owner.client.get('/friends?hidden=any'), 200)), []);
    assertError(await owner.client.delete(`/friends/${bob.id}`), 404, 'not_found');
    // And it can be added again, as new.
    assertStatus(await owner.client.post('/friends', { userId: bob.id }), 201);
    assertError(await anon.delete(`/friends/${bob.id}`), 401, 'unauthorized');
  });
});
