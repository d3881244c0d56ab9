// Gateway joins (SPEC §2) with the stock socket.io-client over both
// transports: the three join requests get exactly the note's answers; a
// chat join for a room one is not in, a person join for another user and
// malformed requests get "connection failure" with an error object, and the
// socket stays usable.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertStatus, signUpMany, startServer } from './lib/server.mjs';
import {
  assertJoinFailure, clientPool, joinRequest, joinSuccess, TRANSPORTS,
} from './lib/socket.mjs';

const NO_SUCH_ROOM = '00000000-0000-4000-8000-00000000abcd';

let srv;
let pool;
let alice;
let bob;
let carol;
let shared; // alice + bob
let carols; // carol only
before(async () => {
  srv = await startServer();
  pool = clientPool(srv.baseUrl);
  [alice, bob, carol] = await signUpMany(srv.baseUrl, 3);
  shared = assertStatus(await alice.client.post('/rooms', { participantIds: [bob.id] }), 201);
  carols = assertStatus(await carol.client.post('/rooms', { participantIds: [] }), 201);
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

for (const transport of TRANSPORTS) {
  describe(`joins over ${transport.name}`, () => {
    test('chat, person and all joins get exactly the success answers', async () => {
      const c = await pool.connect({ token: alice.accessToken, transport });
      assert.deepEqual(await c.request(joinRequest.chat(shared.id)), joinSuccess.chat(shared.id));
      assert.deepEqual(await c.request(joinRequest.person(alice.id)), joinSuccess.person(alice.id));
      assert.deepEqual(await c.request(joinRequest.all()), joinSuccess.all());
      // Joining again is harmless and answered the same way.
      assert.deepEqual(await c.request(joinRequest.chat(shared.id)), joinSuccess.chat(shared.id));
      assert.deepEqual(await c.request(joinRequest.all()), joinSuccess.all());
      if (transport.upgrades) {
        await c.upgraded();
        assert.deepEqual(await c.request(joinRequest.person(alice.id)), joinSuccess.person(alice.id));
      }
      assert.deepEqual(c.unexpected, []);
      assert.equal(c.pending().length, 0, `nothing but the answers: ${JSON.stringify(c.pending())}`);
      c.close();
    });

    test('the raw wire: ["event.server", answer] for ["event.client", request]', async () => {
      // socket.io-client hands us one argument; check it is the only one.
      const c = await pool.connect({ token: bob.accessToken, via: 'auth', transport });
      await c.joinRoom(shared.id);
      await c.joinPerson(bob.id);
      await c.joinAll();
      assert.deepEqual(c.unexpected, []);
      c.close();
    });

    test("another user's person channel is refused and the socket stays usable", async () => {
      const c = await pool.connect({ token: alice.accessToken, transport });
      const req = joinRequest.person(bob.id);
      assertJoinFailure(await c.request(req), req);
      assert.equal(c.socket.connected, true);
      await c.joinPerson(alice.id);
      c.close();
    });

    test('a room one is not in, an unknown room and a non-UUID room are refused; the socket stays usable', async () => {
      const c = await pool.connect({ token: alice.accessToken, transport });
      for (const roomId of [carols.id, NO_SUCH_ROOM, 'not-a-uuid', '']) {
        const req = joinRequest.chat(roomId);
        assertJoinFailure(await c.request(req), req);
      }
      assert.equal(c.socket.connected, true);
      await c.joinRoom(shared.id);
      await c.joinAll();
      c.close();
    });

    test('the refusal for a room one is not in does not tell it apart from an unknown room', async () => {
      const c = await pool.connect({ token: alice.accessToken, transport });
      const notMine = assertJoinFailure(await c.request(joinRequest.chat(carols.id)), joinRequest.chat(carols.id));
      const unknown = assertJoinFailure(await c.request(joinRequest.chat(NO_SUCH_ROOM)), joinRequest.chat(NO_SUCH_ROOM));
      assert.equal(notMine.code, unknown.code);
      c.close();
    });

    test('malformed join objects get "connection failure" and the socket stays usable', async () => {
      const c = await pool.connect({ token: carol.accessToken, transport });
      const malformed = [
        { type: 'chat', msg: 'room connection request' }, // no roomId
        { type: 'chat', roomId: 42, msg: 'room connection request' },
        { type: 'chat', roomId: null, msg: 'room connection request' },
        { type: 'person', msg: 'person connection request' }, // no userId
        { type: 'person', userId: ['x'], msg: 'person connection request' },
        { type: 'bogus', msg: 'whatever' },
        { type: 'ALL', msg: 'default connection request' },
        { type: 7 },
        { msg: 'default connection request' }, // no type
        {},
      ];
      for (const req of malformed) {
        c.socket.emit('event.client', req);
        const answer = await c.waitFor((ev) => ev?.msg === 'connection failure',
          { what: `a failure for ${JSON.stringify(req)}` });
        assertJoinFailure(answer, req);
      }
      assert.equal(c.socket.connected, true);
      await c.joinRoom(carols.id);
      await c.joinPerson(carol.id);
      await c.joinAll();
      c.close();
    });

    test('non-object joins get "connection failure" and the socket stays usable', async () => {
      const c = await pool.connect({ token: carol.accessToken, transport });
      for (const payload of ['x', [1], 42, null, true]) {
        c.socket.emit('event.client', payload);
        const answer = await c.waitFor((ev) => ev?.msg === 'connection failure',
          { what: `a failure for ${JSON.stringify(payload)}` });
        assertJoinFailure(answer);
      }
      // No argument at all, and two arguments.
      c.socket.emit('event.client');
      assertJoinFailure(await c.waitFor((ev) => ev?.msg === 'connection failure', { what: 'a failure for no payload' }));
      assert.equal(c.socket.connected, true);
      await c.joinAll();
      c.close();
    });

    test('other event names and acknowledgements do not disturb the socket', async () => {
      const c = await pool.connect({ token: carol.accessToken, transport });
      c.socket.emit('event.server', joinRequest.all()); // the server's event name, sent by a client
      c.socket.emit('hello', { a: 1 });
      c.socket.emit('event.client', joinRequest.all(), () => {}); // with an ack id
      await c.joinAll();
      assert.equal(c.socket.connected, true);
      await c.joinPerson(carol.id);
      c.close();
    });
  });
}
