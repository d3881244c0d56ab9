// Slowloris: clients that send request headers, request bodies or
// long-polling traffic a byte at a time, or open polling sessions and walk
// away. The header and body timeouts and the Engine.IO heartbeat close them,
// none of them gets an answer it did not complete, and a normal client is
// served all the while. Short timeouts keep the file fast.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { api, assertStatus, metric, signUp, sleep, startServer, uniqueEmail, waitUntil } from './lib/server.mjs';
import { connect } from './lib/raw.mjs';
import { clientPool, pollingHandshake, TRANSPORTS } from './lib/socket.mjs';

const HEADER_TIMEOUT_MS = 1000;
const BODY_TIMEOUT_MS = 1000;
const PING_MS = 400;
const CLIENTS = 50;
// How long a dripping client may live at most: its timeout plus room for a loaded machine.
const CLOSE_BOUND_MS = 8000;

let srv;
let alice;

before(async () => {
  srv = await startServer({
    args: ['--header-timeout-ms', String(HEADER_TIMEOUT_MS), '--body-timeout-ms', String(BODY_TIMEOUT_MS),
      '--ping-interval-ms', String(PING_MS), '--ping-timeout-ms', String(PING_MS)],
  });
  alice = await signUp(srv.baseUrl);
});
after(() => srv?.stop());

const openFds = () => readdirSync(`/proc/${srv.process.pid}/fd`).length;

// Sends `text` one byte every `everyMs` until the server closes the connection
// (or the text runs out); resolves with how long the connection lived.
async function drip(conn, text, everyMs = 100) {
  const started = Date.now();
  let open = true;
  conn.closed.then(() => { open = false; });
  for (const ch of text) {
    if (!open) break;
    await conn.send(ch);
    await sleep(everyMs);
  }
  await conn.closed;
  return Date.now() - started;
}

// A normal client keeps working while the slow ones hang on.
async function normalTrafficWhile(promise) {
  let served = 0;
  let done = false;
  promise.finally(() => { done = true; });
  while (!done) {
    assertStatus(await api(srv.baseUrl).get('/actuator/health'), 200);
    assertStatus(await alice.client.get('/users/me'), 200);
    served++;
    await sleep(50);
  }
  return served;
}

test(`${CLIENTS} clients dripping request headers are closed by the header timeout, unanswered`, async (t) => {
  const fdsBefore = openFds();
  const conns = await Promise.all(Array.from({ length: CLIENTS }, () => connect(srv.port)));
  const header = `GET /actuator/health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
  const lifetimes = Promise.all(conns.map((c) => drip(c, header)));
  const served = await normalTrafficWhile(lifetimes);
  for (const ms of await lifetimes) assert.ok(ms < CLOSE_BOUND_MS, `closed after ${ms} ms`);
  t.diagnostic(`longest life ${Math.max(...await lifetimes)} ms, normal requests served meanwhile: ${served}`);
  for (const c of conns) assert.doesNotMatch(c.raw(), /^HTTP/, 'a request never completed gets no answer');
  assert.ok(served > 0, 'the normal client was served meanwhile');
  // A few descriptors of slack (fetch keep-alive, the store's lazily opened files); 50 leaked ones would show.
  await waitUntil(() => openFds() <= fdsBefore + 4, { what: 'descriptors back to the baseline', state: openFds });
});

test(`${CLIENTS} clients dripping request bodies are closed by the body timeout; nothing is created`, async (t) => {
  const fdsBefore = openFds();
  const emails = Array.from({ length: CLIENTS }, () => uniqueEmail('slow'));
  const conns = await Promise.all(emails.map(() => connect(srv.port)));
  const lifetimes = Promise.all(conns.map(async (c, i) => {
    const body = JSON.stringify({ email: emails[i], nickname: 'slow', password: 'abcdefg1' });
    await c.send(`POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    return drip(c, body);
  }));
  const served = await normalTrafficWhile(lifetimes);
  for (const ms of await lifetimes) assert.ok(ms < CLOSE_BOUND_MS, `closed after ${ms} ms`);
  t.diagnostic(`longest life ${Math.max(...await lifetimes)} ms, normal requests served meanwhile: ${served}`);
  for (const c of conns) assert.doesNotMatch(c.raw(), /^HTTP/);
  assert.ok(served > 0);
  // None of the half-sent sign-ups exists: each e-mail is still free.
  for (const email of emails.slice(0, 5)) {
    assertStatus(await api(srv.baseUrl).post('/users', { email, nickname: 'late', password: 'abcdefg1' }), 201);
  }
  // A few descriptors of slack (fetch keep-alive, the store's lazily opened files); 50 leaked ones would show.
  await waitUntil(() => openFds() <= fdsBefore + 4, { what: 'descriptors back to the baseline', state: openFds });
});

test('long-polling: abandoned sessions, a held GET never read, a dripped POST: all closed; a real client stays served', async () => {
  const sessionsBefore = await metric(srv.baseUrl, 'chat_gateway_sessions');
  const timeoutsBefore = await metric(srv.baseUrl, 'chat_gateway_ping_timeouts_total');
  const pool = clientPool(srv.baseUrl);
  try {
    const good = await pool.connect({ token: alice.accessToken, transport: { ...TRANSPORTS[0], opts: { transports: ['polling'] } } });
    await good.joinAll();
    // Sessions that never poll again.
    const abandoned = await Promise.all(Array.from({ length: 20 }, () => pollingHandshake(srv.baseUrl, { token: alice.accessToken })));
    // A GET held open whose client then reads nothing and never answers the ping.
    const { sid: heldSid } = await pollingHandshake(srv.baseUrl, { token: alice.accessToken });
    const held = await connect(srv.port);
    await held.send(`GET /socket.io/?EIO=4&transport=polling&sid=${heldSid} HTTP/1.1\r\nHost: x\r\n\r\n`);
    held.socket.pause();
    // A POST on a session whose body comes a byte at a time.
    const { sid: dripSid } = await pollingHandshake(srv.baseUrl, { token: alice.accessToken });
    const slow = await connect(srv.port);
    const packet = `42${JSON.stringify(['event.client', { type: 'all', msg: 'x'.repeat(100) }])}`;
    await slow.send(`POST /socket.io/?EIO=4&transport=polling&sid=${dripSid} HTTP/1.1\r\nHost: x\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${packet.length}\r\n\r\n`);
    const dripped = drip(slow, packet);

    assert.equal(await metric(srv.baseUrl, 'chat_gateway_sessions'), sessionsBefore + 23);
    assert.ok(await dripped < CLOSE_BOUND_MS);
    assert.doesNotMatch(slow.raw(), /^HTTP/);
    await waitUntil(async () => (await metric(srv.baseUrl, 'chat_gateway_sessions')) === sessionsBefore + 1,
      { timeout: CLOSE_BOUND_MS, what: 'only the real client left', state: () => metric(srv.baseUrl, 'chat_gateway_sessions') });
    assert.ok(await metric(srv.baseUrl, 'chat_gateway_ping_timeouts_total') >= timeoutsBefore + 20);
    for (const { sid } of abandoned.slice(0, 3)) {
      const res = await fetch(`${srv.baseUrl}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
      assert.equal(res.status, 400, 'an abandoned session is gone');
    }
    held.destroy();
    // The real client answered every ping and is still served.
    assert.ok(good.socket.connected);
    await good.joinPerson(alice.id);
  } finally {
    pool.closeAll();
  }
});
