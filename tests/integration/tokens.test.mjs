// Tokens: log in, refresh with rotation and reuse detection, log out, and
// the refusal of bad access tokens (missing, expired, tampered, alg none,
// wrong key) on every protected route.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, decodeJwt, forgeJwt, login, randomSecret,
  signUp, startServer, tamperJwt, UUID_RE,
} from './lib/server.mjs';

let srv;
let anon;
let alice;
let bob;
before(async () => {
  srv = await startServer();
  anon = api(srv.baseUrl);
  [alice, bob] = await Promise.all([signUp(srv.baseUrl), signUp(srv.baseUrl)]);
});
after(() => srv?.stop());

describe('POST /token (log in)', () => {
  test('issues an access and a refresh token', async () => {
    const res = await anon.post('/token', { email: alice.email, password: alice.password });
    const t = assertStatus(res, 200);
    assert.equal(t.tokenType, 'Bearer');
    assert.equal(t.expiresIn, 900, 'default access token lifetime is 15 minutes');
    assert.equal(typeof t.refreshToken, 'string');
    assert.ok(t.refreshToken.length >= 32);
    const claims = decodeJwt(t.accessToken);
    assert.equal(claims.sub, alice.id);
    assert.equal(claims.exp - claims.iat, 900);
    assert.match(claims.jti, UUID_RE);
    assert.equal(JSON.parse(Buffer.from(t.accessToken.split('.')[0], 'base64url')).alg, 'HS256');
    assertStatus(await anon.as(t.accessToken).get('/users/me'), 200);
    // The e-mail is matched case-insensitively.
    assertStatus(await anon.post('/token', { email: alice.email.toUpperCase(), password: alice.password }), 200);
  });

  test('wrong password and unknown e-mail are the same 401', async () => {
    const wrong = assertError(await anon.post('/token', { email: alice.email, password: 'wrong-pass-1' }),
      401, 'invalid_credentials');
    const unknown = assertError(await anon.post('/token', { email: 'nobody@example.test', password: 'x1234567' }),
      401, 'invalid_credentials');
    assert.equal(wrong.message, unknown.message);
  });

  test('validation, malformed JSON and content type', async () => {
    assertValidation(await anon.post('/token', {}), ['email', 'password']);
    assertValidation(await anon.post('/token', { email: 1, password: [] }), ['email', 'password']);
    assertError(await anon.request('POST', '/token', { rawBody: '{"email"', contentType: 'application/json' }),
      400, 'bad_request');
    assertError(await anon.request('POST', '/token', { rawBody: JSON.stringify({ email: alice.email, password: alice.password }) }),
      415, 'unsupported_media_type');
  });
});

describe('POST /token/refresh', () => {
  test('rotates: a new pair, the old refresh token is spent', async () => {
    const first = await login(srv.baseUrl, alice.email, alice.password);
    const res = await anon.post('/token/refresh', { refreshToken: first.refreshToken });
    const second = assertStatus(res, 200);
    assert.equal(second.tokenType, 'Bearer');
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(decodeJwt(second.accessToken).sub, alice.id);
    assertStatus(await anon.as(second.accessToken).get('/users/me'), 200);
    // And the new one rotates again.
    const third = assertStatus(await anon.post('/token/refresh', { refreshToken: second.refreshToken }), 200);
    assert.notEqual(third.refreshToken, second.refreshToken);
  });

  test('reuse of a rotated token is refused and revokes the whole family', async () => {
    const first = await login(srv.baseUrl, alice.email, alice.password);
    const other = await login(srv.baseUrl, alice.email, alice.password); // another session
    const second = assertStatus(await anon.post('/token/refresh', { refreshToken: first.refreshToken }), 200);

    // Someone replays the spent token: refused.
    assertError(await anon.post('/token/refresh', { refreshToken: first.refreshToken }), 401, 'refresh_token_reused');
    // The token rotated from it is revoked too, so a thief's copy is worthless.
    assertError(await anon.post('/token/refresh', { refreshToken: second.refreshToken }), 401, 'invalid_refresh_token');
    assertError(await anon.post('/token/refresh', { refreshToken: first.refreshToken }), 401);
    // Other logins of the same user are separate families and keep working.
    assertStatus(await anon.post('/token/refresh', { refreshToken: other.refreshToken }), 200);
  });

  test('concurrent use of one refresh token: exactly one wins', async () => {
    const t = await login(srv.baseUrl, bob.email, bob.password);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => anon.post('/token/refresh', { refreshToken: t.refreshToken })));
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, `exactly one rotation succeeds: ${results.map((r) => r.status)}`);
    for (const r of results.filter((x) => x.status !== 200)) assertError(r, 401);
    // Whatever won, the family is now revoked because of the reuse.
    for (const r of ok) {
      assertError(await anon.post('/token/refresh', { refreshToken: r.body.refreshToken }), 401);
    }
  });

  test('unknown token, wrong types, missing field', async () => {
    assertError(await anon.post('/token/refresh', { refreshToken: 'not-a-token' }), 401, 'invalid_refresh_token');
    assertError(await anon.post('/token/refresh', { refreshToken: alice.accessToken }), 401, 'invalid_refresh_token');
    assertValidation(await anon.post('/token/refresh', {}), ['refreshToken']);
    assertValidation(await anon.post('/token/refresh', { refreshToken: 12 }), ['refreshToken']);
    assertError(await anon.request('POST', '/token/refresh', { rawBody: 'refreshToken=x', contentType: 'application/json' }),
      400, 'bad_request');
  });
});

describe('DELETE /token (log out)', () => {
  test('revokes the refresh token (and its family); 204 again for a spent one', async () => {
    const first = await login(srv.baseUrl, bob.email, bob.password);
    const second = assertStatus(await anon.post('/token/refresh', { refreshToken: first.refreshToken }), 200);
    const res = await anon.delete('/token', { body: { refreshToken: second.refreshToken } });
    assert.equal(res.status, 204, res.text);
    assertError(await anon.post('/token/refresh', { refreshToken: second.refreshToken }), 401, 'invalid_refresh_token');
    // Logging out twice, or with an unknown token, is not an error.
    assert.equal((await anon.delete('/token', { body: { refreshToken: second.refreshToken } })).status, 204);
    assert.equal((await anon.delete('/token', { body: { refreshToken: 'unknown' } })).status, 204);
  });

  test('validation', async () => {
    assertValidation(await anon.delete('/token', { body: {} }), ['refreshToken']);
    assertError(await anon.delete('/token'), 415, 'unsupported_media_type');
  });
});

describe('access token refusal', () => {
  const now = () => Math.floor(Date.now() / 1000);

  test('a token forged with the server secret is accepted (the forger works)', async () => {
    const token = forgeJwt({ secret: srv.secret, sub: alice.id });
    assert.equal(assertStatus(await anon.as(token).get('/users/me'), 200).id, alice.id);
    // The scheme name is case-insensitive (RFC 7235).
    const res = await anon.get('/users/me', { token: null, headers: { authorization: `bearer ${token}` } });
    assertStatus(res, 200);
  });

  const cases = {
    'no Authorization header': () => ({ token: null }),
    'empty bearer': () => ({ headers: { authorization: 'Bearer ' } }),
    'another scheme': () => ({ headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }),
    'token without scheme': () => ({ headers: { authorization: alice.accessToken } }),
    garbage: () => ({ token: 'not.a.jwt' }),
    'two segments': () => ({ token: alice.accessToken.split('.').slice(0, 2).join('.') }),
    expired: () => ({ token: forgeJwt({ secret: srv.secret, sub: alice.id, iat: now() - 7200, exp: now() - 3600 }) }),
    'tampered payload (sub changed)': () => ({ token: tamperJwt(alice.accessToken, { sub: bob.id }) }),
    'tampered payload (exp extended)': () => ({ token: tamperJwt(alice.accessToken, { exp: now() + 86400 * 365 }) }),
    'tampered signature': () => {
      const [h, p, s] = alice.accessToken.split('.');
      const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      return { token: `${h}.${p}.${flipped}` };
    },
    'alg none': () => ({ token: forgeJwt({ alg: 'none', sub: alice.id }) }),
    'alg none with a signature': () => ({
      token: `${forgeJwt({ alg: 'none', sub: alice.id })}${alice.accessToken.split('.')[2]}`,
    }),
    'wrong key': () => ({ token: forgeJwt({ secret: randomSecret(), sub: alice.id }) }),
    'HS512 with the right key': () => ({ token: forgeJwt({ secret: srv.secret, sub: alice.id, alg: 'HS512' }) }),
    'missing sub': () => ({ token: forgeJwt({ secret: srv.secret, claims: { sub: undefined } }) }),
    'exp as a string': () => ({ token: forgeJwt({ secret: srv.secret, sub: alice.id, claims: { exp: String(now() + 600) } }) }),
    'refresh token as access token': () => ({ token: alice.refreshToken }),
  };
  for (const [name, make] of Object.entries(cases)) {
    test(`401: ${name}`, async () => {
      const res = await anon.get('/users/me', make());
      assertError(res, 401, 'unauthorized');
    });
  }

  test('the error message says why (expired)', async () => {
    const token = forgeJwt({ secret: srv.secret, sub: alice.id, iat: now() - 7200, exp: now() - 3600 });
    const err = assertError(await anon.as(token).get('/users/me'), 401, 'unauthorized');
    assert.match(err.message, /expired/);
  });

  test('a validly signed token for an account that does not exist is refused', async () => {
    const token = forgeJwt({ secret: srv.secret, sub: '00000000-0000-4000-8000-000000000000' });
    assertError(await anon.as(token).get('/users/me'), 401, 'unauthorized');
    assertError(await anon.as(token).delete('/users/me'), 401, 'unauthorized');
  });

  test('every protected route refuses a missing or expired token', async () => {
    const room = '00000000-0000-4000-8000-000000000001';
    const msg = '00000000-0000-4000-8000-000000000002';
    const routes = [
      ['GET', '/users/me'], ['PATCH', '/users/me', { nickname: 'x' }], ['DELETE', '/users/me'],
      ['GET', `/users/${alice.id}`],
      ['POST', '/rooms', { participantIds: [] }], ['GET', '/rooms'],
      ['GET', `/rooms/${room}`], ['PATCH', `/rooms/${room}`, { name: 'x' }],
      ['GET', `/rooms/${room}/participants`], ['POST', `/rooms/${room}/participants`, { userIds: [bob.id] }],
      ['DELETE', `/rooms/${room}/participants/me`],
      ['POST', `/rooms/${room}/messages`, { text: 'hi' }], ['GET', `/rooms/${room}/messages`],
      ['GET', `/rooms/${room}/messages/${msg}`], ['DELETE', `/rooms/${room}/messages/${msg}`],
      ['PUT', `/rooms/${room}/read`, { seq: 1 }],
    ];
    const expired = forgeJwt({ secret: srv.secret, sub: alice.id, iat: now() - 7200, exp: now() - 3600 });
    for (const [method, path, body] of routes) {
      for (const token of [null, expired]) {
        const res = await anon.request(method, path, { body, token });
        assert.equal(res.status, 401, `${method} ${path} with ${token ? 'an expired' : 'no'} token: ${res.status} ${res.text}`);
        assertError(res, 401, 'unauthorized');
      }
    }
  });
});
