// The database failing under the API: SQLite held locked by another process
// (the sqlite3 shell), and a database server that becomes unreachable (its
// TCP connections reset through a proxy the test cuts). Writes answer 503
// "unavailable" with Retry-After within a bounded time, nothing half-written
// shows up afterwards, and the API recovers by itself once the database is
// back.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertError, assertStatus, signUpMany, startServer, waitUntil } from './lib/server.mjs';
import { CuttableProxy } from './lib/proxy.mjs';

// SQLite's busy timeout is 5 s; the answer must come well before a client gives up.
const ANSWER_BOUND_MS = 12_000;

function assertUnavailable(res) {
  assertError(res, 503, 'unavailable');
  assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
}

// Everything in the room, oldest first.
async function history(client, roomId) {
  return assertStatus(await client.get(`/rooms/${roomId}/messages?limit=200`), 200).messages;
}

async function timed(promise) {
  const started = Date.now();
  const res = await promise;
  return { res, ms: Date.now() - started };
}

describe('SQLite locked by another process', () => {
  let srv;
  let holder;
  before(async () => { srv = await startServer(); });
  after(async () => {
    holder?.kill('SIGKILL');
    await srv?.stop();
  });

  // The sqlite3 shell takes the write lock and keeps it until COMMIT.
  function lockDatabase(file) {
    const p = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'inherit'] });
    const locked = new Promise((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (d) => { out += d; if (out.includes('locked')) resolve(); });
      p.once('error', (err) => reject(new Error(`cannot run sqlite3 (scripts/install-deps --test installs it): ${err.message}`)));
      p.once('exit', (code) => reject(new Error(`sqlite3 exited (${code}) before taking the lock`)));
    });
    p.stdin.write(".timeout 5000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n");
    return { process: p, locked, release: () => new Promise((resolve) => { p.once('exit', resolve); p.stdin.end('COMMIT;\n'); }) };
  }

  test('writes answer 503 within a bounded time, reads go on, the API recovers; nothing half-written', async (t) => {
    const [alice, bob] = await signUpMany(srv.baseUrl, 2);
    const room = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
    assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'before' }), 201);

    const lock = lockDatabase(join(srv.dataDir, 'chat.db'));
    holder = lock.process;
    await lock.locked;
    const [post, read] = await Promise.all([
      timed(alice.client.post(`/rooms/${room.id}/messages`, { text: 'while locked' })),
      timed(bob.client.get(`/rooms/${room.id}/messages`)),
    ]);
    t.diagnostic(`locked: post answered ${post.res.status} after ${post.ms} ms, read ${read.res.status} after ${read.ms} ms`);
    assertUnavailable(post.res);
    assert.ok(post.ms < ANSWER_BOUND_MS, `answered after ${post.ms} ms`);
    assertStatus(read.res, 200); // WAL: readers are not blocked by a writer
    assert.match(srv.output(), /store unavailable/);

    await lock.release();
    holder = null;
    const after = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'after' }), 201);
    assert.equal(after.seq, 2, 'the refused post took no seq');
    const messages = await history(bob.client, room.id);
    assert.deepEqual(messages.map((m) => [m.seq, m.text]), [[1, 'before'], [2, 'after']]);
  });
});

describe('database server unreachable', () => {
  let srv;
  let proxy;
  before(async () => {
    const url = process.env.SIMPLE_CHAT_TEST_POSTGRES_URL ?? process.env.SIMPLE_CHAT_TEST_MARIADB_URL;
    if (!url) throw new Error('SIMPLE_CHAT_TEST_POSTGRES_URL is not set: start the servers with scripts/db-servers (scripts/test does)');
    const target = new URL(url);
    proxy = await CuttableProxy.start(target.hostname, Number(target.port));
    target.port = String(proxy.port);
    srv = await startServer({ args: ['--database', target.href, '--db-pool', '2'] });
  });
  after(async () => {
    await srv?.stop();
    await proxy?.close();
  });

  test('requests answer 503 at once while it is gone, health is DOWN, and all recovers by itself', async (t) => {
    const [alice, bob] = await signUpMany(srv.baseUrl, 2);
    const room = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
    assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'before' }), 201);

    proxy.cut();
    const post = await timed(alice.client.post(`/rooms/${room.id}/messages`, { text: 'while down' }));
    const read = await timed(bob.client.get(`/rooms/${room.id}/messages`));
    t.diagnostic(`down: post ${post.res.status} after ${post.ms} ms, read ${read.res.status} after ${read.ms} ms`);
    assertUnavailable(post.res);
    assertUnavailable(read.res);
    assert.ok(post.ms < ANSWER_BOUND_MS && read.ms < ANSWER_BOUND_MS);
    const health = await fetch(`${srv.baseUrl}/actuator/health`);
    assert.equal(health.status, 503);
    assert.equal((await health.json()).components.db.status, 'DOWN');

    proxy.restore();
    await waitUntil(async () => (await fetch(`${srv.baseUrl}/actuator/health`)).status === 200,
      { what: 'health UP again' });
    const after = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'after' }), 201);
    const messages = await history(bob.client, room.id);
    assert.deepEqual(messages.map((m) => m.text), ['before', 'after']);
    assert.deepEqual(messages.map((m) => m.seq), [1, after.seq]);
    assert.equal(after.seq, 2, 'the refused post took no seq');
  });
});
