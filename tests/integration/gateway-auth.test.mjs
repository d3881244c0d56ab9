// Gateway handshake (SPEC §2): the stock socket.io-client connects over
// polling-then-upgrade and over WebSocket only, with the JWT as
// `Authorization: Bearer` on the handshake or as the CONNECT payload {token};
// a missing, tampered, expired, alg:none or otherwise invalid token gets a
// Socket.IO CONNECT_ERROR and nothing else. Also the Engine.IO open packet
// and the Engine.IO HTTP error answers.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { forgeJwt, signUpMany, sleep, startServer, tamperJwt, UUID_RE } from './lib/server.mjs';
import {
  assertEioError, assertHealthy, clientPool, eioUrl, fetchText, joinRequest, pollingGet, pollingHandshake,
  pollingPost, RawSocket, TRANSPORTS,
} from './lib/socket.mjs';

let srv;
let pool;
let alice;
let bob;
before(async () => {
  srv = await startServer();
  pool = clientPool(srv.baseUrl);
  [alice, bob] = await signUpMany(srv.baseUrl, 2);
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

/** The invalid tokens of the issue, built lazily (they need the server's secret). */
function badTokens() {
  const now = Math.floor(Date.now() / 1000);
  return {
    tampered: tamperJwt(alice.accessToken, { sub: bob.id }),
    expired: forgeJwt({ secret: srv.secret, sub: alice.id, iat: now - 7200, exp: now - 3600 }),
    'alg none': forgeJwt({ secret: srv.secret, sub: alice.id, alg: 'none' }),
    'signed with another secret': forgeJwt({ secret: `${srv.secret}-not-ours`, sub: alice.id }),
    'HS512 instead of HS256': forgeJwt({ secret: srv.secret, sub: alice.id, alg: 'HS512' }),
    'not a JWT': 'not-a-jwt',
  };
}

/**
 * connect_error from a CONNECT_ERROR packet (socket.io-client sets no `type`
 * on it), not a transport failure (`type: 'TransportError'`), then nothing:
 * no connect, no event.server, no other event.
 */
async function assertRefused(client) {
  const err = await client.refused();
  assert.notEqual(err.type, 'TransportError',
    `refused with a Socket.IO CONNECT_ERROR, not at the transport: ${err.message} ${err.description ?? ''}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0, 'CONNECT_ERROR carries a message');
  await sleep(200);
  assert.equal(client.socket.connected, false);
  assert.deepEqual(client.received, [], 'nothing is served to a refused socket');
  assert.deepEqual(client.unexpected, []);
}

for (const transport of TRANSPORTS) {
  describe(`socket.io-client over ${transport.name}`, () => {
    for (const via of ['header', 'auth']) {
      test(`a valid token (${via === 'header' ? 'Authorization: Bearer' : 'CONNECT auth {token}'}) is accepted`, async () => {
        const c = await pool.connect({ token: alice.accessToken, via, transport });
        assert.equal(typeof c.id, 'string');
        assert.ok(c.id.length > 0);
        if (transport.upgrades) {
          await c.upgraded();
          assert.equal(c.transportName, 'websocket');
        } else {
          assert.equal(c.transportName, 'websocket');
        }
        // Authenticated as alice: her own person channel is hers.
        await c.joinPerson(alice.id);
        await c.joinAll();
        assert.deepEqual(c.unexpected, []);
        c.close();
      });
    }

    test('no token at all is refused with CONNECT_ERROR', async () => {
      await assertRefused(pool.open({ transport }));
    });

    test('"Authorization: Basic" and an empty bearer are refused', async () => {
      await assertRefused(pool.open({ transport, extraHeaders: { Authorization: 'Basic YWxpY2U6c2VjcmV0' } }));
      await assertRefused(pool.open({ transport, extraHeaders: { Authorization: 'Bearer ' } }));
      await assertRefused(pool.open({ transport, auth: { token: '' } }));
      await assertRefused(pool.open({ transport, auth: { token: 42 } }));
    });

    for (const via of ['header', 'auth']) {
      test(`invalid tokens via ${via} are refused with CONNECT_ERROR`, async () => {
        const failures = [];
        for (const [name, token] of Object.entries(badTokens())) {
          try {
            await assertRefused(pool.open({ token, via, transport }));
          } catch (err) {
            failures.push(`${name} token: ${err.message}`);
          }
        }
        assert.deepEqual(failures, []);
      });
    }
  });
}

describe('raw Socket.IO over WebSocket', () => {
  test('open packet, then CONNECT with a header token answers 40{"sid"}', async () => {
    const raw = await RawSocket.open(srv.port, { token: alice.accessToken });
    const open = await raw.openPacket();
    assert.equal(typeof open.sid, 'string');
    assert.ok(open.sid.length > 0);
    assert.deepEqual(open.upgrades, [], 'nothing to upgrade to from websocket');
    for (const key of ['pingInterval', 'pingTimeout', 'maxPayload']) {
      assert.ok(Number.isInteger(open[key]) && open[key] > 0, `${key}: ${JSON.stringify(open)}`);
    }
    const answer = await raw.connectNamespace();
    assert.match(answer, /^40\{/);
    const sid = JSON.parse(answer.slice(2)).sid;
    assert.equal(typeof sid, 'string');
    assert.ok(sid.length > 0);
    raw.send(`42${JSON.stringify(['event.client', joinRequest.all()])}`);
    const joined = await raw.next((m) => m.startsWith('42'));
    assert.deepEqual(JSON.parse(joined.slice(2)), ['event.server', { type: 'all', msg: 'connection success' }]);
    raw.terminate();
  });

  test('CONNECT with {token} in the payload answers 40', async () => {
    const raw = await RawSocket.open(srv.port);
    await raw.openPacket();
    assert.match(await raw.connectNamespace({ token: alice.accessToken }), /^40\{/);
    raw.terminate();
  });

  test('CONNECT without a token answers 44{"message"} and nothing is served afterwards', async () => {
    const raw = await RawSocket.open(srv.port);
    await raw.openPacket();
    const answer = await raw.connectNamespace();
    assert.match(answer, /^44/);
    const body = JSON.parse(answer.slice(2));
    assert.equal(typeof body.message, 'string');
    assert.ok(body.message.length > 0);
    // A join on the refused namespace gets no answer (the socket may also be closed).
    raw.send(`42${JSON.stringify(['event.client', joinRequest.all()])}`);
    raw.send(`42${JSON.stringify(['event.client', joinRequest.person(alice.id)])}`);
    await sleep(500);
    assert.deepEqual(raw.messages.filter((m) => typeof m === 'string' && m.startsWith('42')), [],
      `no event after CONNECT_ERROR: ${JSON.stringify(raw.messages)}`);
    raw.terminate();
  });

  test('CONNECT with a tampered token in the payload answers 44', async () => {
    const raw = await RawSocket.open(srv.port);
    await raw.openPacket();
    assert.match(await raw.connectNamespace({ token: badTokens().tampered }), /^44/);
    raw.terminate();
  });

  test('a tampered header token is refused at CONNECT, not trusted from the handshake', async () => {
    const raw = await RawSocket.open(srv.port, { token: badTokens().tampered }).catch((err) => err);
    if (raw instanceof Error) {
      // Refusing the handshake itself is not the SPEC's CONNECT_ERROR.
      assert.fail(`the WebSocket handshake was refused instead of a CONNECT_ERROR: ${raw.message}`);
    }
    await raw.openPacket();
    assert.match(await raw.connectNamespace(), /^44/);
    raw.terminate();
  });
});

describe('raw Socket.IO over long-polling', () => {
  // socket.io-client over polling POSTs the CONNECT and GETs the answer on the
  // next poll; the CONNECT_ERROR must still be there to collect.
  for (const [name, connect] of [['no token', '40'], ['a tampered token', () => `40${JSON.stringify({ token: badTokens().tampered })}`]]) {
    test(`CONNECT with ${name}, no GET pending: the next GET collects 44 (not 400 Session ID unknown)`, async () => {
      const { sid } = await pollingHandshake(srv.baseUrl);
      const post = await pollingPost(srv.baseUrl, sid, typeof connect === 'function' ? connect() : connect);
      assert.equal(post.status, 200, post.text);
      const get = await pollingGet(srv.baseUrl, sid);
      assert.equal(get.status, 200, `GET after the refused CONNECT: ${get.status} ${get.text}`);
      const packets = get.text.split('\x1e');
      assert.match(packets[0], /^44\{/, `first packet is CONNECT_ERROR: ${JSON.stringify(get.text)}`);
      assert.equal(typeof JSON.parse(packets[0].slice(2)).message, 'string');
      assert.ok(packets.slice(1).every((p) => p === '1' || p === '6'), `then at most close/noop: ${JSON.stringify(get.text)}`);
    });
  }

  test('CONNECT with a header token over polling answers 40{"sid"} on the next GET', async () => {
    const { sid } = await pollingHandshake(srv.baseUrl, { token: alice.accessToken });
    assert.equal((await pollingPost(srv.baseUrl, sid, '40')).status, 200);
    const get = await pollingGet(srv.baseUrl, sid);
    assert.equal(get.status, 200, get.text);
    assert.match(get.text, /^40\{"sid":"[^"]+"\}/);
  });
});

describe('Engine.IO handshake and HTTP errors', () => {
  test('polling handshake: open packet with sid, websocket upgrade, ping settings and maxPayload', async () => {
    const { open, res } = await pollingHandshake(srv.baseUrl, { token: alice.accessToken });
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(typeof open.sid, 'string');
    assert.ok(open.sid.length > 0);
    assert.deepEqual(open.upgrades, ['websocket']);
    for (const key of ['pingInterval', 'pingTimeout', 'maxPayload']) {
      assert.ok(Number.isInteger(open[key]) && open[key] > 0, `${key}: ${JSON.stringify(open)}`);
    }
    // Two handshakes are two sessions.
    const other = await pollingHandshake(srv.baseUrl, { token: alice.accessToken });
    assert.notEqual(other.sid, open.sid);
  });

  test('unknown transport → 400 {"code":0,"message":"Transport unknown"}', async () => {
    assertEioError(await fetchText(eioUrl(srv.baseUrl, 'EIO=4&transport=carrier-pigeon')), 0, 'Transport unknown');
    assertEioError(await fetchText(eioUrl(srv.baseUrl, 'EIO=4')), 0, 'Transport unknown');
  });

  test('unknown sid → 400 {"code":1,"message":"Session ID unknown"}', async () => {
    assertEioError(await fetchText(eioUrl(srv.baseUrl, 'EIO=4&transport=polling&sid=no-such-sid')),
      1, 'Session ID unknown');
    assertEioError(await fetchText(eioUrl(srv.baseUrl, 'EIO=4&transport=polling&sid=no-such-sid'),
      { method: 'POST', body: '40', headers: { 'content-type': 'text/plain;charset=UTF-8' } }),
    1, 'Session ID unknown');
  });

  test('unknown sid on a WebSocket upgrade → 400 code 1', async () => {
    const err = await RawSocket.open(srv.port, { query: 'EIO=4&transport=websocket&sid=no-such-sid' })
      .then((raw) => { raw.terminate(); return null; }, (e) => e);
    assert.ok(err, 'the upgrade with an unknown sid is refused');
    assert.equal(err.status, 400, err.message);
    // The reference server answers the message as text on an upgrade; JSON is fine too.
    assert.match(err.body, /Session ID unknown/);
  });

  test('POST without sid → 400 {"code":2,"message":"Bad handshake method"}', async () => {
    assertEioError(await fetchText(eioUrl(srv.baseUrl, 'EIO=4&transport=polling'),
      { method: 'POST', body: '40', headers: { 'content-type': 'text/plain;charset=UTF-8' } }),
    2, 'Bad handshake method');
  });

  test('EIO=3 → 400 {"code":5,"message":"Unsupported protocol version"}', async () => {
    assertEioError(await fetchText(eioUrl(srv.baseUrl, 'EIO=3&transport=polling')), 5, 'Unsupported protocol version');
    assertEioError(await fetchText(eioUrl(srv.baseUrl, 'EIO=5&transport=polling')), 5, 'Unsupported protocol version');
  });

  test('a plain GET for the websocket transport (no Upgrade) → 400 {"code":3,"message":"Bad request"}', async () => {
    assertEioError(await fetchText(eioUrl(srv.baseUrl, 'EIO=4&transport=websocket')), 3, 'Bad request');
  });

  test('the REST API is still served next to the gateway', async () => {
    await assertHealthy(srv.baseUrl);
    assert.match(alice.id, UUID_RE);
  });
});
