// Secrets never reach the server's output, and answers leak nothing they
// should not: a whole session's worth of traffic (sign-up, login, refresh,
// REST with tokens, sockets over both transports with header and payload
// tokens, failed logins, tampered tokens, logout) at the most verbose log
// level with the access log on, then the output is searched for every
// secret. And the response headers: no Server header anywhere, nosniff and
// no-store on API answers.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, assertStatus, login, signUp, startServer } from './lib/server.mjs';
import { clientPool, pollingGet, pollingHandshake, pollingPost, TRANSPORTS } from './lib/socket.mjs';

let srv;
let pool;
before(async () => {
  srv = await startServer({ accessLog: true, args: ['--log-level', 'trace'] });
  pool = clientPool(srv.baseUrl);
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

test('the JWT secret, passwords, access and refresh tokens and session ids never appear in the output', async () => {
  const secrets = [srv.secret];
  const password = 'Very-Secret-Passw0rd!';
  const wrongPassword = 'Wrong-Secret-Passw0rd?';
  secrets.push(password, wrongPassword);
  const alice = await signUp(srv.baseUrl, { password });
  const bob = await signUp(srv.baseUrl, { password });
  secrets.push(alice.accessToken, alice.refreshToken, bob.accessToken, bob.refreshToken);

  const room = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
  assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'hello' }), 201);
  const refreshed = assertStatus(await api(srv.baseUrl).post('/token/refresh', { refreshToken: alice.refreshToken }), 200);
  secrets.push(refreshed.accessToken, refreshed.refreshToken);
  // Reuse of a rotated refresh token (logged as a warning) and a wrong password.
  assert.equal((await api(srv.baseUrl).post('/token/refresh', { refreshToken: alice.refreshToken })).status, 401);
  assert.equal((await api(srv.baseUrl).post('/token', { email: alice.email, password: wrongPassword })).status, 401);
  // A tampered token and a token in the query string (ignored, but logged targets must not show it).
  const tampered = `${bob.accessToken.slice(0, -4)}AAAA`;
  secrets.push(tampered);
  assert.equal((await api(srv.baseUrl, { token: tampered }).get('/users/me')).status, 401);
  assert.equal((await api(srv.baseUrl).get(`/users/me?access_token=${bob.accessToken}`)).status, 401);

  // Sockets: header token over WebSocket, payload token over polling, a raw polling session.
  const ws = await pool.connect({ token: bob.accessToken, transport: TRANSPORTS[1] });
  await ws.joinRoom(room.id);
  const polling = await pool.connect({ token: bob.accessToken, via: 'auth', transport: TRANSPORTS[0] });
  await polling.joinPerson(bob.id);
  const { sid } = await pollingHandshake(srv.baseUrl, { token: bob.accessToken });
  secrets.push(sid);
  assert.equal((await pollingPost(srv.baseUrl, sid, '40')).status, 200);
  assert.match((await pollingGet(srv.baseUrl, sid)).text, /^40/);
  const refused = pool.open({ token: tampered, via: 'auth', transport: TRANSPORTS[1] });
  await refused.refused();

  const bobLogin = await login(srv.baseUrl, bob.email, password);
  secrets.push(bobLogin.accessToken, bobLogin.refreshToken);
  assert.equal((await api(srv.baseUrl).delete('/token', { body: { refreshToken: bobLogin.refreshToken } })).status, 204);
  pool.closeAll();
  await srv.stop();

  const output = srv.output();
  assert.match(output, /POST \/token 200/, 'the access log was on');
  assert.match(output, /sid=REDACTED/, 'polling requests were logged, their session id redacted');
  for (const s of secrets) {
    const lines = output.split('\n').filter((l) => l.includes(s));
    assert.deepEqual(lines, [], `a secret (${s.slice(0, 6)}…) appears in the output`);
    // Nor the signature of a token on its own.
    if (s.split('.').length === 3) assert.ok(!output.includes(s.split('.')[2]));
  }
});

test('no Server header anywhere; nosniff and no-store on API answers', async () => {
  const other = await startServer();
  try {
    const user = await signUp(other.baseUrl);
    const checks = [
      ['GET', '/users/me', user.accessToken],
      ['GET', '/rooms', user.accessToken],
      ['GET', '/users/me', null], // 401
      ['GET', '/no-such-route', null], // 404
      ['GET', '/actuator/health', null],
      ['GET', '/actuator/prometheus', null],
      ['GET', '/socket.io/?EIO=4&transport=polling', user.accessToken],
      ['GET', '/socket.io/?EIO=3&transport=polling', null], // Engine.IO error
    ];
    for (const [method, path, token] of checks) {
      const res = await fetch(`${other.baseUrl}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
      await res.arrayBuffer();
      assert.equal(res.headers.get('server'), null, `${path}: no Server header`);
      assert.equal(res.headers.get('x-powered-by'), null);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${path}: nosniff`);
      assert.equal(res.headers.get('cache-control'), 'no-store', `${path}: no-store`);
    }
  } finally {
    await other.stop();
  }
});
