// Notifications: the admin role (--admin-email and `simple-chat user
// grant-admin / revoke-admin`), POST /notifications/all and
// /notifications/users/{userId} (admin only, validated), person.invited
// notifications from invitations, GET /notifications (mine and all-user ones,
// newest first, cursor, unread) and PUT /notifications/{id}/read.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import {
  api, assertError, assertStatus, assertValidation, backendDatabase, ISO_MS_RE, serverBinary, signUp,
  signUpMany, startServer, uniqueEmail, UUID_RE,
} from './lib/server.mjs';

const run = promisify(execFile);

let srv;
let anon;
let admin; // admin by --admin-email
let alice;
let bob;
const adminEmail = uniqueEmail('admin');
before(async () => {
  srv = await startServer({ args: ['--admin-email', adminEmail.toUpperCase()] });
  anon = api(srv.baseUrl);
  admin = await signUp(srv.baseUrl, { email: adminEmail });
  [alice, bob] = await signUpMany(srv.baseUrl, 2);
});
after(() => srv?.stop());

/** Runs `simple-chat user <verb> <email>` against the server's database. */
async function userCommand(verb, email) {
  const database = backendDatabase() ?? `sqlite:${join(srv.dataDir, 'chat.db')}`;
  try {
    const { stdout, stderr } = await run(serverBinary(),
      ['user', verb, email, '--data-dir', srv.dataDir, '--database', database], { timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    return { code: err.code, output: `${err.stdout}${err.stderr}` };
  }
}

async function mine(user, query = '') {
  return assertStatus(await user.client.get(`/notifications${query}`), 200);
}

/** The user's person.* notifications (all.* ones may come from other tests). */
async function personal(user) {
  return (await mine(user, '?limit=100')).notifications.filter((n) => n.relayType === 'person');
}

describe('the admin role', () => {
  test('--admin-email makes an admin; others get 403 before any validation', async () => {
    const me = assertStatus(await admin.client.get('/users/me'), 200);
    assert.equal(me.email, adminEmail);
    const sent = await admin.client.post('/notifications/all',
      { msgType: 'all.service-check', title: 'Maintenance', body: 'at noon' });
    assertStatus(sent, 201);
    assertError(await alice.client.post('/notifications/all',
      { msgType: 'all.service-check', title: 'x', body: 'y' }), 403, 'forbidden');
    assertError(await alice.client.post('/notifications/all', {}), 403, 'forbidden');
    assertError(await alice.client.post(`/notifications/users/${bob.id}`,
      { msgType: 'person.payment', title: 'x' }), 403, 'forbidden');
    assertError(await anon.post('/notifications/all', { msgType: 'all.biz-event', title: 'x' }), 401, 'unauthorized');
  });

  test('user grant-admin and revoke-admin change the role in the database', async () => {
    const user = await signUp(srv.baseUrl);
    const body = { msgType: 'all.new-feature', title: 'Threads are here' };
    assertError(await user.client.post('/notifications/all', body), 403, 'forbidden');

    const granted = await userCommand('grant-admin', user.email.toUpperCase());
    assert.equal(granted.code, 0, granted.output);
    assert.equal(assertStatus(await user.client.get('/users/me'), 200).admin, true);
    assertStatus(await user.client.post('/notifications/all', body), 201);

    const revoked = await userCommand('revoke-admin', user.email);
    assert.equal(revoked.code, 0, revoked.output);
    assert.equal(assertStatus(await user.client.get('/users/me'), 200).admin, false);
    assertError(await user.client.post('/notifications/all', body), 403, 'forbidden');

    const unknown = await userCommand('grant-admin', uniqueEmail('nobody'));
    assert.equal(unknown.code, 1, unknown.output);
    assert.match(unknown.output, /no active user/);
  });
});

describe('POST /notifications/all', () => {
  test('201 stored for every user, visible in each one\'s list', async () => {
    const res = await admin.client.post('/notifications/all',
      { msgType: 'all.biz-event', title: 'Sale', body: 'Everything half price', data: { code: 'HALF' } });
    const n = assertStatus(res, 201);
    assert.match(n.id, UUID_RE);
    assert.equal(res.headers.get('location'), `/notifications/${n.id}`);
    assert.deepEqual({ ...n, createdAt: undefined }, {
      id: n.id, relayType: 'all', msgType: 'all.biz-event', title: 'Sale', body: 'Everything half price',
      data: { code: 'HALF' }, actorId: admin.id, read: false, createdAt: undefined,
    });
    assert.match(n.createdAt, ISO_MS_RE);
    for (const user of [alice, bob, admin]) {
      const found = (await mine(user)).notifications.find((x) => x.id === n.id);
      assert.ok(found, 'everyone sees it');
      assert.equal(found.read, false);
    }
    // A user who signs up later does not get older broadcasts.
    const late = await signUp(srv.baseUrl);
    assert.equal((await mine(late)).notifications.find((x) => x.id === n.id), undefined);
  });

  test('validation: msgType, title, body, data', async () => {
    const post = (body) => admin.client.post('/notifications/all', body);
    assertValidation(await post({}), ['msgType', 'title']);
    assertValidation(await post({ msgType: 'person.payment', title: 'x' }), ['msgType']);
    assertValidation(await post({ msgType: 'all.other', title: 'x' }), ['msgType']);
    assertValidation(await post({ msgType: 'all.biz-event', title: '' }), ['title']);
    assertValidation(await post({ msgType: 'all.biz-event', title: 'x'.repeat(201) }), ['title']);
    assertValidation(await post({ msgType: 'all.biz-event', title: 'x', body: 'y'.repeat(4001) }), ['body']);
    assertValidation(await post({ msgType: 'all.biz-event', title: 'x', body: 7 }), ['body']);
    assertValidation(await post({ msgType: 'all.biz-event', title: 'x', data: [1] }), ['data']);
    assertValidation(await post({ msgType: 'all.biz-event', title: 'x', data: { big: 'z'.repeat(9000) } }), ['data']);
    assertError(await admin.client.request('POST', '/notifications/all', { rawBody: '{', contentType: 'application/json' }),
      400, 'bad_request');
    assertError(await admin.client.request('POST', '/notifications/all', { rawBody: '{}', contentType: 'text/plain' }),
      415, 'unsupported_media_type');
  });
});

describe('POST /notifications/users/{userId}', () => {
  test('201 for that user only', async () => {
    const data = { amount: 1200, currency: 'KRW', items: [{ sku: 'a' }] };
    const n = assertStatus(await admin.client.post(`/notifications/users/${alice.id}`,
      { msgType: 'person.payment', title: 'Payment received', body: '', data }), 201);
    assert.equal(n.relayType, 'person');
    assert.equal(n.msgType, 'person.payment');
    assert.deepEqual(n.data, data);
    assert.ok((await mine(alice)).notifications.some((x) => x.id === n.id));
    assert.ok(!(await mine(bob)).notifications.some((x) => x.id === n.id), 'not for bob');
    assertError(await bob.client.put(`/notifications/${n.id}/read`), 404, 'not_found');
  });

  test('unknown user 404, wrong type 400', async () => {
    const body = { msgType: 'person.payment', title: 'x' };
    assertError(await admin.client.post(`/notifications/users/${randomUUID()}`, body), 404, 'not_found');
    assertError(await admin.client.post('/notifications/users/not-a-uuid', body), 404, 'not_found');
    assertValidation(await admin.client.post(`/notifications/users/${alice.id}`,
      { msgType: 'person.invited', title: 'x' }), ['msgType']);
    assertValidation(await admin.client.post(`/notifications/users/${alice.id}`,
      { msgType: 'all.biz-event', title: 'x' }), ['msgType']);
    assertValidation(await admin.client.post(`/notifications/users/${alice.id}`,
      { msgType: 'person.payment', title: 'x', data: 'text' }), ['data']);
  });
});

describe('invitations', () => {
  test('creating a room and inviting store person.invited for the invited only', async () => {
    const [owner, first, second] = await signUpMany(srv.baseUrl, 3);
    const room = assertStatus(await owner.client.post('/rooms', { participantIds: [first.id] }), 201);
    let n = await personal(first);
    assert.equal(n.length, 1);
    assert.equal(n[0].msgType, 'person.invited');
    assert.equal(n[0].relayType, 'person');
    assert.equal(n[0].actorId, owner.id);
    assert.deepEqual(n[0].data, { roomId: room.id, actorId: owner.id });
    assert.equal((await personal(owner)).length, 0, 'not for the creator');

    assertStatus(await first.client.post(`/rooms/${room.id}/participants`, { userIds: [second.id, owner.id] }), 200);
    n = await personal(second);
    assert.equal(n.length, 1);
    assert.deepEqual(n[0].data, { roomId: room.id, actorId: first.id });
    assert.equal((await personal(owner)).length, 0, 'already in the room: nothing');
  });
});

describe('GET /notifications and PUT /notifications/{id}/read', () => {
  test('newest first, cursor pages, unread filter, read state per user', async () => {
    const user = await signUp(srv.baseUrl);
    const sent = [];
    for (let i = 0; i < 5; i++) {
      sent.push(assertStatus(await admin.client.post(`/notifications/users/${user.id}`,
        { msgType: 'person.payment', title: `payment ${i}` }), 201));
    }
    const everything = (await mine(user, '?limit=100')).notifications;
    const ids = everything.map((n) => n.id);
    for (const n of sent) assert.ok(ids.includes(n.id));
    const times = everything.map((n) => Date.parse(n.createdAt));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');

    const walked = [];
    let cursor = null;
    for (let i = 0; i < 50; i++) {
      const page = await mine(user, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.ok(page.notifications.length <= 2);
      walked.push(...page.notifications.map((n) => n.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    assert.deepEqual(walked, ids);

    const read = assertStatus(await user.client.put(`/notifications/${sent[1].id}/read`), 200);
    assert.equal(read.id, sent[1].id);
    assert.equal(read.read, true);
    assert.equal(assertStatus(await user.client.put(`/notifications/${sent[1].id}/read`), 200).read, true,
      'again: still read');
    const unread = (await mine(user, '?unread=true&limit=100')).notifications.map((n) => n.id);
    assert.ok(!unread.includes(sent[1].id));
    assert.ok(unread.includes(sent[0].id));
    assert.equal((await mine(user, '?limit=100')).notifications.find((n) => n.id === sent[1].id).read, true);
  });

  test('an all-user notification is read per user', async () => {
    const [u1, u2] = await signUpMany(srv.baseUrl, 2);
    const n = assertStatus(await admin.client.post('/notifications/all',
      { msgType: 'all.new-feature', title: 'Reactions' }), 201);
    assertStatus(await u1.client.put(`/notifications/${n.id}/read`), 200);
    assert.equal((await mine(u1)).notifications.find((x) => x.id === n.id).read, true);
    assert.equal((await mine(u2)).notifications.find((x) => x.id === n.id).read, false);
  });

  test('bad ids and queries', async () => {
    assertError(await alice.client.put(`/notifications/${randomUUID()}/read`), 404, 'not_found');
    assertError(await alice.client.put('/notifications/not-a-uuid/read'), 404, 'not_found');
    assertValidation(await alice.client.get('/notifications?unread=maybe'), ['unread']);
    assertValidation(await alice.client.get('/notifications?limit=0'), ['limit']);
    assertValidation(await alice.client.get('/notifications?cursor=x'), ['cursor']);
    assertError(await anon.get('/notifications'), 401, 'unauthorized');
    assertError(await anon.put(`/notifications/${randomUUID()}/read`), 401, 'unauthorized');
  });
});
