// Naming people by e-mail when creating a room (participantEmails) and when
// inviting (emails): what the web client's "invite by e-mail" uses, since a
// user id cannot be looked up by e-mail otherwise.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, signUpMany, startServer, uniqueEmail,
} from './lib/server.mjs';

let srv;
let alice;
let bob;
let carol;
let dave;
before(async () => {
  srv = await startServer();
  [alice, bob, carol, dave] = await signUpMany(srv.baseUrl, 4);
});
after(() => srv?.stop());

const userIds = (room) => room.participants.map((p) => p.userId);
const participantsOf = async (who, roomId) =>
  assertStatus(await who.client.get(`/rooms/${roomId}/participants`), 200).participants.map((p) => p.userId);

test('create: participantEmails alone or beside participantIds, any letter case, duplicates once', async () => {
  const byEmail = assertStatus(await alice.client.post('/rooms', {
    name: 'By mail', participantEmails: [bob.email.toUpperCase(), bob.email, alice.email],
  }), 201);
  assert.deepEqual(userIds(byEmail), [alice.id, bob.id]);

  const mixed = assertStatus(await alice.client.post('/rooms', {
    participantIds: [bob.id], participantEmails: [bob.email, carol.email],
  }), 201);
  // Creator first; people added in one call may share a millisecond (then by id).
  assert.equal(userIds(mixed)[0], alice.id);
  assert.deepEqual(userIds(mixed).slice(1).sort(), [bob.id, carol.id].sort());
  // Bob sees it like any room he was invited to.
  assertStatus(await bob.client.get(`/rooms/${mixed.id}`), 200);
});

test('create: an unknown or withdrawn e-mail is 404 naming it, and nothing is created', async () => {
  const before = assertStatus(await dave.client.get('/rooms?limit=100'), 200).rooms.length;
  const nobody = uniqueEmail('nobody');
  const err = assertError(await dave.client.post('/rooms', { participantEmails: [carol.email, nobody] }),
    404, 'not_found');
  assert.match(err.message, new RegExp(`unknown user ${nobody.replace(/[.+]/g, '\\$&')}`));

  const [leaver] = await signUpMany(srv.baseUrl, 1);
  assert.equal((await leaver.client.delete('/users/me')).status, 204);
  assertError(await dave.client.post('/rooms', { participantEmails: [leaver.email] }), 404, 'not_found');
  assert.equal(assertStatus(await dave.client.get('/rooms?limit=100'), 200).rooms.length, before);
});

test('create: validation of participantEmails', async () => {
  assertValidation(await alice.client.post('/rooms', { participantEmails: 'bob@example.com' }), ['participantEmails']);
  assertValidation(await alice.client.post('/rooms', { participantEmails: ['not an address'] }), ['participantEmails']);
  assertValidation(await alice.client.post('/rooms', { participantEmails: [42] }), ['participantEmails']);
  const many = Array.from({ length: 101 }, (_, i) => `p${i}@example.com`);
  assertValidation(await alice.client.post('/rooms', { participantEmails: many }), ['participantEmails']);
  // Ids and e-mails together name at most 100 people.
  const ids = Array.from({ length: 60 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  assertValidation(await alice.client.post('/rooms', { participantIds: ids, participantEmails: many.slice(0, 41) }),
    ['participantEmails']);
  // Neither list: participantIds is required, as before.
  assertValidation(await alice.client.post('/rooms', {}), ['participantIds']);
  // An empty e-mail list is a room with only the creator.
  assert.deepEqual(userIds(assertStatus(await alice.client.post('/rooms', { participantEmails: [] }), 201)), [alice.id]);
});

test('invite: emails alone or beside userIds; already present is skipped; unknown adds nobody', async () => {
  const room = assertStatus(await alice.client.post('/rooms', { participantIds: [] }), 201);
  const added = assertStatus(await alice.client.post(`/rooms/${room.id}/participants`,
    { emails: [bob.email.toUpperCase()] }), 200).added;
  assert.deepEqual(added.map((p) => p.userId), [bob.id]);

  const again = assertStatus(await bob.client.post(`/rooms/${room.id}/participants`,
    { userIds: [carol.id], emails: [alice.email, bob.email] }), 200).added;
  assert.deepEqual(again.map((p) => p.userId), [carol.id]);

  assertError(await alice.client.post(`/rooms/${room.id}/participants`,
    { emails: [dave.email, uniqueEmail('nobody')] }), 404, 'not_found');
  assert.deepEqual(await participantsOf(alice, room.id), [alice.id, bob.id, carol.id]);
});

test('invite: validation, and an outsider learns nothing about addresses', async () => {
  const room = assertStatus(await alice.client.post('/rooms', { participantIds: [] }), 201);
  const path = `/rooms/${room.id}/participants`;
  assertValidation(await alice.client.post(path, { emails: [] }), ['emails']);
  assertValidation(await alice.client.post(path, { emails: ['x'] }), ['emails']);
  assertValidation(await alice.client.post(path, { emails: 'a@example.com' }), ['emails']);
  assertValidation(await alice.client.post(path, {}), ['userIds']);
  // A non-participant gets the room's 404 whether the address exists or not.
  const outsider = assertError(await dave.client.post(path, { emails: [bob.email] }), 404, 'not_found');
  assert.equal(outsider.message, 'room not found');
  assertError(await api(srv.baseUrl).post(path, { emails: [bob.email] }), 401, 'unauthorized');
});
