// Users: sign up (validation, uniqueness), me, profile update, public
// profile, withdraw — over real HTTP against the real binary.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, ISO_MS_RE, login, signUp, startServer,
  uniqueEmail, UUID_RE,
} from './lib/server.mjs';

let srv;
let anon;
let alice; // shared, never modified
before(async () => {
  srv = await startServer();
  anon = api(srv.baseUrl);
  alice = await signUp(srv.baseUrl);
});
after(() => srv?.stop());

describe('POST /users (sign up)', () => {
  test('creates the user: 201, Location, public and private fields, e-mail lower-cased', async () => {
    const local = `Mixed-${Date.now()}`;
    const res = await anon.post('/users', {
      email: `${local}@Example.TEST`, nickname: '  Bob  ', password: 'abcdefg1',
    });
    const u = assertStatus(res, 201);
    assert.match(u.id, UUID_RE);
    assert.equal(res.headers.get('location'), `/users/${u.id}`);
    assert.equal(u.email, `${local.toLowerCase()}@example.test`);
    assert.equal(u.nickname, 'Bob', 'nickname is trimmed');
    assert.match(u.createdAt, ISO_MS_RE);
    assert.equal(u.admin, false);
    assert.equal(u.password, undefined);
    assert.equal(u.passwordHash, undefined);
    assert.ok(!res.text.includes('argon2'), 'no password hash in the answer');
    // The minimum password (8 characters, a letter and a digit) logs in.
    const tokens = await login(srv.baseUrl, u.email, 'abcdefg1');
    assert.equal(tokens.tokenType, 'Bearer');
  });

  test('400 lists every bad field at once', async () => {
    const res = await anon.post('/users', { email: 'not-an-email', nickname: '', password: 'short' });
    const fields = assertValidation(res, ['email', 'nickname', 'password']);
    assert.match(fields.email, /e-mail/);
    assert.match(fields.nickname, /1 to 40/);
    assert.match(fields.password, /8/);
  });

  test('missing fields are each reported', async () => {
    const fields = assertValidation(await anon.post('/users', {}), ['email', 'nickname', 'password']);
    for (const f of ['email', 'nickname', 'password']) assert.match(fields[f], /required/);
  });

  test('wrong field types are each reported', async () => {
    const res = await anon.post('/users', { email: 42, nickname: ['x'], password: true });
    const fields = assertValidation(res, ['email', 'nickname', 'password']);
    for (const f of ['email', 'nickname', 'password']) assert.match(fields[f], /string/);
    // null counts as missing
    assertValidation(await anon.post('/users', { email: null, nickname: { a: 1 }, password: 12345678 }),
      ['email', 'nickname', 'password']);
  });

  test('e-mail syntax', async () => {
    const bad = ['plain', '@example.test', 'a@', 'a@b', 'a@.test', 'a@b.', 'a@@b.test', 'a b@c.test',
      'a@b..test', '"q"@b.test', 'a@b.test\n'.trim() + ' x'];
    for (const email of bad) {
      const res = await anon.post('/users', { email, nickname: 'n', password: 'abcdefg1' });
      assertValidation(res, ['email']);
    }
    const long = `${'a'.repeat(250)}@b.test`; // 257 bytes
    assertValidation(await anon.post('/users', { email: long, nickname: 'n', password: 'abcdefg1' }),
      ['email']);
  });

  test('nickname is 1 to 40 characters (code points, trimmed)', async () => {
    const pw = 'abcdefg1';
    for (const nickname of ['', '   ', 'x'.repeat(41), '가'.repeat(41), 'a\u0001b']) {
      assertValidation(await anon.post('/users', { email: uniqueEmail(), nickname, password: pw }),
        ['nickname']);
    }
    // 40 Hangul syllables are 120 bytes but 40 characters: accepted.
    const res = await anon.post('/users', { email: uniqueEmail(), nickname: '가'.repeat(40), password: pw });
    assert.equal(assertStatus(res, 201).nickname, '가'.repeat(40));
    const one = await anon.post('/users', { email: uniqueEmail(), nickname: 'x', password: pw });
    assertStatus(one, 201);
  });

  test('password needs 8 characters with a letter and a digit', async () => {
    for (const password of ['abc1234', 'abcdefgh', '12345678', '        ', '']) {
      const res = await anon.post('/users', { email: uniqueEmail(), nickname: 'n', password });
      assertValidation(res, ['password']);
    }
  });

  test('duplicate e-mail is 409, compared case-insensitively', async () => {
    const res = await anon.post('/users', {
      email: alice.email.toUpperCase(), nickname: 'other', password: 'abcdefg1',
    });
    assertError(res, 409, 'email_taken');
    assertError(await anon.post('/users', { email: alice.email, nickname: 'x', password: 'abcdefg1' }),
      409, 'email_taken');
  });

  test('concurrent sign-ups with one e-mail: exactly one 201, the rest 409', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) =>
      anon.post('/users', { email: i % 2 ? email.toUpperCase() : email, nickname: `r${i}`, password: 'abcdefg1' })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409], results.map((r) => r.text).join('\n'));
    for (const r of results.filter((x) => x.status === 409)) assertError(r, 409, 'email_taken');
  });

  test('malformed JSON is 400', async () => {
    for (const rawBody of ['{"email": ', '{email: "a@b.test"}', '', 'null', '[]', '"text"', '{"a":1}x']) {
      const res = await anon.request('POST', '/users', { rawBody, contentType: 'application/json' });
      assertError(res, 400, 'bad_request');
    }
  });

  test('a body that is not declared as JSON is 415', async () => {
    const rawBody = JSON.stringify({ email: uniqueEmail(), nickname: 'n', password: 'abcdefg1' });
    assertError(await anon.request('POST', '/users', { rawBody }), 415, 'unsupported_media_type');
    assertError(await anon.request('POST', '/users', { rawBody, contentType: 'text/plain' }),
      415, 'unsupported_media_type');
    assertError(await anon.request('POST', '/users', { rawBody, contentType: 'application/xml' }),
      415, 'unsupported_media_type');
    // Parameters and case are fine.
    const ok = await anon.request('POST', '/users', { rawBody, contentType: 'Application/JSON; charset=utf-8' });
    assertStatus(ok, 201);
  });
});

describe('GET /users/me', () => {
  test('returns the caller with the private fields', async () => {
    const me = assertStatus(await alice.client.get('/users/me'), 200);
    assert.deepEqual(me, alice.user);
  });

  test('401 without a token', async () => {
    assertError(await anon.get('/users/me'), 401, 'unauthorized');
  });
});

describe('GET /users/{id}', () => {
  test('public profile: id and nickname, no e-mail', async () => {
    const bob = await signUp(srv.baseUrl);
    const res = await bob.client.get(`/users/${alice.id}`);
    const p = assertStatus(res, 200);
    assert.deepEqual(p, { id: alice.id, nickname: alice.nickname });
    assert.ok(!res.text.includes(alice.email));
    // Upper-case ids are the same user.
    assert.deepEqual(assertStatus(await bob.client.get(`/users/${alice.id.toUpperCase()}`), 200), p);
  });

  test('404 for an unknown or malformed id, 401 without a token', async () => {
    assertError(await alice.client.get('/users/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    assertError(await alice.client.get('/users/not-a-uuid'), 404, 'not_found');
    assertError(await anon.get(`/users/${alice.id}`), 401, 'unauthorized');
  });
});

describe('PATCH /users/me', () => {
  test('changes the nickname', async () => {
    const u = await signUp(srv.baseUrl);
    const res = await u.client.patch('/users/me', { nickname: 'Renamed' });
    const body = assertStatus(res, 200);
    assert.equal(body.nickname, 'Renamed');
    assert.equal(body.email, u.email);
    assert.equal(assertStatus(await u.client.get('/users/me'), 200).nickname, 'Renamed');
    assert.equal(assertStatus(await alice.client.get(`/users/${u.id}`), 200).nickname, 'Renamed');
  });

  test('validation: nothing to update, bad nickname, wrong types', async () => {
    assertValidation(await alice.client.patch('/users/me', {}), ['nickname']);
    assertValidation(await alice.client.patch('/users/me', { nickname: '' }), ['nickname']);
    assertValidation(await alice.client.patch('/users/me', { nickname: 'x'.repeat(41) }), ['nickname']);
    assertValidation(await alice.client.patch('/users/me', { nickname: 7 }), ['nickname']);
    assertError(await alice.client.request('PATCH', '/users/me', { rawBody: '{', contentType: 'application/json' }),
      400, 'bad_request');
    assertError(await anon.patch('/users/me', { nickname: 'x' }), 401, 'unauthorized');
    assert.equal(assertStatus(await alice.client.get('/users/me'), 200).nickname, alice.nickname);
  });

  test('a password change needs the current password', async () => {
    const u = await signUp(srv.baseUrl);
    const missing = await u.client.patch('/users/me', { password: 'newpass123' });
    assert.match(assertValidation(missing, ['currentPassword']).currentPassword, /required/);
    assertValidation(await u.client.patch('/users/me', { password: 'newpass123', currentPassword: 'wrong-pass-1' }),
      ['currentPassword']);
    assertValidation(await u.client.patch('/users/me', { password: 'weak', currentPassword: u.password }),
      ['password']);
    // Both problems at once are both listed.
    assertValidation(await u.client.patch('/users/me', { password: 'weak', nickname: '' }),
      ['password', 'nickname', 'currentPassword']);

    const ok = await u.client.patch('/users/me', { password: 'newpass123', currentPassword: u.password });
    assertStatus(ok, 200);
    await login(srv.baseUrl, u.email, 'newpass123');
    assertError(await anon.post('/token', { email: u.email, password: u.password }), 401, 'invalid_credentials');
  });
});

describe('DELETE /users/me (withdraw)', () => {
  test('204; then the account is gone, the e-mail is free and the user left every room', async () => {
    const w = await signUp(srv.baseUrl);
    const room = assertStatus(await alice.client.post('/rooms', { name: 'with w', participantIds: [w.id] }), 201);
    assertStatus(await w.client.post(`/rooms/${room.id}/messages`, { text: 'bye' }), 201);

    const res = await w.client.delete('/users/me');
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');

    // Login fails the same way as for an unknown account.
    assertError(await anon.post('/token', { email: w.email, password: w.password }), 401, 'invalid_credentials');
    // Tokens issued before are dead: the access token names no account, the refresh token is revoked.
    assertError(await w.client.get('/users/me'), 401, 'unauthorized');
    assertError(await anon.post('/token/refresh', { refreshToken: w.refreshToken }), 401);
    assertError(await w.client.delete('/users/me'), 401, 'unauthorized');
    // The public profile is gone.
    assertError(await alice.client.get(`/users/${w.id}`), 404, 'not_found');
    // The user left the room; the room and its history stay.
    const ps = assertStatus(await alice.client.get(`/rooms/${room.id}/participants`), 200).participants;
    assert.deepEqual(ps.map((p) => p.userId), [alice.id]);
    const msgs = assertStatus(await alice.client.get(`/rooms/${room.id}/messages`), 200).messages;
    assert.deepEqual(msgs.map((m) => [m.senderId, m.text]), [[w.id, 'bye']]);
    // The withdrawn user cannot be invited back.
    assertError(await alice.client.post(`/rooms/${room.id}/participants`, { userIds: [w.id] }), 404);

    // The e-mail can sign up again, as a new account.
    const again = await anon.post('/users', { email: w.email, nickname: 'again', password: 'abcdefg2' });
    const u2 = assertStatus(again, 201);
    assert.notEqual(u2.id, w.id);
    const tokens = await login(srv.baseUrl, w.email, 'abcdefg2');
    const rooms = assertStatus(await api(srv.baseUrl, { token: tokens.accessToken }).get('/rooms'), 200);
    assert.deepEqual(rooms.rooms, [], 'the new account inherits nothing');
  });

  test('401 without a token', async () => {
    assertError(await anon.delete('/users/me'), 401, 'unauthorized');
  });
});
