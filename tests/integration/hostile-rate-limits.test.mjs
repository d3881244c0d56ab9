// Abuse limits of the REST API: login per account (failures) and per client
// address, sign-up per address, message posting per user. A refusal is 429
// with Retry-After and the JSON error "rate_limited", nothing is written, and
// each limit is counted in /actuator/prometheus. Addresses 127.0.0.x stand in
// for distinct clients.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertError, assertStatus, startServer, uniqueEmail } from './lib/server.mjs';
import { requestFrom } from './lib/raw.mjs';

const PASSWORD = 'correct-horse-42';
let srv;

before(async () => {
  srv = await startServer({
    args: ['--login-rate-per-account', '3/1h', '--login-rate-per-ip', '5/1h',
      '--signup-rate-per-ip', '3/1h', '--message-rate-per-user', '5/1h'],
  });
});
after(() => srv?.stop());

const from = (address) => ({
  post: (path, body, token) => requestFrom(address, srv.baseUrl, 'POST', path, { body, token }),
  get: (path, token) => requestFrom(address, srv.baseUrl, 'GET', path, { token }),
});

function assertRateLimited(res, maxSeconds) {
  assertError(res, 429, 'rate_limited');
  const retryAfter = res.headers.get('retry-after');
  assert.match(retryAfter ?? '', /^\d+$/, `Retry-After in whole seconds: ${retryAfter}`);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= maxSeconds, `Retry-After ${retryAfter}`);
}

async function signUpFrom(address, email = uniqueEmail()) {
  const res = await from(address).post('/users', { email, nickname: 'n', password: PASSWORD });
  return { res, email, id: res.body?.id };
}

async function refusals(limit) {
  const text = await (await fetch(`${srv.baseUrl}/actuator/prometheus`)).text();
  const m = new RegExp(`^chat_limit_refusals_total\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `chat_limit_refusals_total{limit="${limit}"} is exported`);
  return Number(m[1]);
}

test('sign-up: per address; the next one is 429 with Retry-After, other addresses go on', async () => {
  for (let i = 0; i < 3; i++) assertStatus((await signUpFrom('127.0.0.2')).res, 201);
  const refused = await signUpFrom('127.0.0.2');
  assertRateLimited(refused.res, 3600);
  // Nothing was written: the refused e-mail is still free (from another address).
  assertStatus((await signUpFrom('127.0.0.3', refused.email)).res, 201);
  assert.ok(await refusals('signup_ip') >= 1);
});

test('login: failures per account lock that account (from any address), not others', async () => {
  const victim = await signUpFrom('127.0.0.4');
  const other = await signUpFrom('127.0.0.4');
  for (let i = 0; i < 3; i++) {
    assertError(await from('127.0.0.5').post('/token', { email: victim.email, password: 'wrong-password-1' }), 401, 'invalid_credentials');
  }
  // Even the right password waits now, from any address: the guesser cannot tell.
  assertRateLimited(await from('127.0.0.5').post('/token', { email: victim.email, password: PASSWORD }), 3600);
  assertRateLimited(await from('127.0.0.6').post('/token', { email: victim.email.toUpperCase(), password: PASSWORD }), 3600);
  // Another account from the same address logs in.
  assertStatus(await from('127.0.0.5').post('/token', { email: other.email, password: PASSWORD }), 200);
  assert.ok(await refusals('login_account') >= 2);
});

test('login: successful logins do not count against the account', async () => {
  const user = await signUpFrom('127.0.0.14');
  for (let i = 0; i < 4; i++) {
    assertStatus(await from('127.0.0.7').post('/token', { email: user.email, password: PASSWORD }), 200);
  }
});

test('login: attempts per address, whatever the account; other addresses go on', async () => {
  const user = await signUpFrom('127.0.0.15');
  for (let i = 0; i < 5; i++) {
    assertError(await from('127.0.0.8').post('/token', { email: uniqueEmail(), password: 'guess-guess-1' }), 401, 'invalid_credentials');
  }
  assertRateLimited(await from('127.0.0.8').post('/token', { email: user.email, password: PASSWORD }), 3600);
  assertStatus(await from('127.0.0.9').post('/token', { email: user.email, password: PASSWORD }), 200);
  assert.ok(await refusals('login_ip') >= 1);
});

test('messages: per user; refused posts are not stored, other users go on', async () => {
  const login = async (u) => (await from('127.0.0.11').post('/token', { email: u.email, password: PASSWORD })).body.accessToken;
  const alice = await signUpFrom('127.0.0.10');
  const bob = await signUpFrom('127.0.0.10');
  const aliceToken = await login(alice);
  const bobToken = await login(bob);
  const room = assertStatus(await from('127.0.0.12').post('/rooms', { participantIds: [bob.id] }, aliceToken), 201);
  const path = `/rooms/${room.id}/messages`;
  for (let i = 0; i < 5; i++) assertStatus(await from('127.0.0.12').post(path, { text: `m${i}` }, aliceToken), 201);
  const refused = await from('127.0.0.13').post(path, { text: 'one too many' }, aliceToken);
  assertRateLimited(refused, 3600);
  assertStatus(await from('127.0.0.12').post(path, { text: 'from bob' }, bobToken), 201);
  // A thread reply draws on the same budget.
  const [root] = assertStatus(await from('127.0.0.12').get(`${path}?limit=1`, aliceToken), 200).messages;
  const thread = `${path}/${root.id}/thread`;
  assertRateLimited(await from('127.0.0.12').post(thread, { text: 'a reply' }, aliceToken), 3600);
  assertStatus(await from('127.0.0.12').post(thread, { text: 'bob replies' }, bobToken), 201);
  const history = assertStatus(await from('127.0.0.12').get(`${path}?limit=50`, aliceToken), 200);
  assert.deepEqual(history.messages.map((m) => m.text), ['m0', 'm1', 'm2', 'm3', 'm4', 'from bob']);
  assert.deepEqual(history.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6], 'no seq was taken by the refused post');
  assert.ok(await refusals('messages_user') >= 1);
});

test('every limit is exported, refused or not', async () => {
  for (const limit of ['login_account', 'login_ip', 'signup_ip', 'messages_user', 'join_socket',
    'connections', 'connections_per_ip', 'send_queue', 'channels_per_socket']) {
    assert.equal(typeof await refusals(limit), 'number');
  }
});
