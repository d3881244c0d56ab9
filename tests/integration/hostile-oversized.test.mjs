// Oversized input on the socket endpoint: WebSocket frames that announce or
// carry more than maxPayload (closed with 1009 "message too big", RFC 6455
// §7.4.1, before the payload is buffered), a fragmented message growing past
// it, and polling bodies above maxPayload (413, session closed) or above the
// HTTP body limit (413). A bystander keeps being served.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { assertHealthy, clientPool, pollingHandshake, pollingGet, pollingPost, TRANSPORTS } from './lib/socket.mjs';
import { forgeJwt, metric, startServer } from './lib/server.mjs';
import { wsFrame, wsUpgradeRequest } from './lib/raw.mjs';

const MAX_PAYLOAD = 4096;
let srv;
let token;
let pool;
let bystander;

before(async () => {
  srv = await startServer({ args: ['--max-payload', String(MAX_PAYLOAD)] });
  token = forgeJwt({ secret: srv.secret, sub: '00000000-0000-4000-8000-00000000000a' });
  pool = clientPool(srv.baseUrl);
  bystander = await pool.connect({ token, transport: TRANSPORTS[1] });
  await bystander.joinAll();
});
after(async () => {
  pool?.closeAll();
  await srv?.stop();
});

// A raw WebSocket past the upgrade and the open packet. `closeFrame()`
// resolves with the code of the server's close frame (null if the TCP
// connection ended without one).
async function rawWebSocket() {
  const socket = net.connect(srv.port, '127.0.0.1');
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  socket.on('error', () => {});
  let bytes = Buffer.alloc(0);
  let headEnd = -1;
  const ended = new Promise((resolve) => socket.once('close', resolve));
  const opened = new Promise((resolve) => {
    socket.on('data', (d) => {
      bytes = Buffer.concat([bytes, d]);
      if (headEnd < 0) {
        headEnd = bytes.indexOf('\r\n\r\n');
        if (headEnd >= 0) headEnd += 4;
      }
      if (headEnd >= 0 && bytes.includes('"sid"')) resolve();
    });
  });
  socket.write(wsUpgradeRequest({ token }));
  await opened;
  // Server frames are unmasked; walk them to the close frame (opcode 8).
  const closeCode = () => {
    let i = headEnd;
    while (i + 2 <= bytes.length) {
      const op = bytes[i] & 0x0f;
      let len = bytes[i + 1] & 0x7f;
      let at = i + 2;
      if (len === 126) { len = bytes.readUInt16BE(at); at += 2; } else if (len === 127) { len = Number(bytes.readBigUInt64BE(at)); at += 8; }
      if (op === 8 && at + 2 <= bytes.length) return bytes.readUInt16BE(at);
      i = at + len;
    }
    return null;
  };
  return { socket, closeFrame: async () => { await ended; return closeCode(); } };
}

describe('WebSocket', () => {
  test('a frame announcing 1 TiB is closed with 1009 before any payload arrives', async () => {
    const ws = await rawWebSocket();
    ws.socket.write(wsFrame('4', { length: 2 ** 40 }));
    assert.equal(await ws.closeFrame(), 1009);
  });

  test('one frame of maxPayload + 1 bytes is closed with 1009', async () => {
    const ws = await rawWebSocket();
    ws.socket.write(wsFrame(`4${'x'.repeat(MAX_PAYLOAD)}`));
    assert.equal(await ws.closeFrame(), 1009);
  });

  test('a fragmented message growing past maxPayload is closed with 1009', async () => {
    const ws = await rawWebSocket();
    const piece = 'y'.repeat(1000);
    ws.socket.write(wsFrame(`4${piece}`, { fin: false }));
    for (let i = 0; i < 10; i++) ws.socket.write(wsFrame(piece, { opcode: 0, fin: false }));
    assert.equal(await ws.closeFrame(), 1009);
  });

  test('a message of exactly maxPayload is served', async () => {
    const ws = await rawWebSocket();
    const connect = '40';
    ws.socket.write(wsFrame(connect));
    const join = JSON.stringify(['event.client', { type: 'all', msg: '' }]);
    const padded = JSON.stringify(['event.client', { type: 'all', msg: 'z'.repeat(MAX_PAYLOAD - join.length - 2) }]);
    assert.equal(Buffer.byteLength(`42${padded}`), MAX_PAYLOAD);
    const answered = new Promise((resolve) => {
      let seen = '';
      ws.socket.on('data', (d) => { seen += d.toString('latin1'); if (seen.includes('connection success')) resolve(); });
    });
    ws.socket.write(wsFrame(`42${padded}`));
    await answered;
    ws.socket.destroy();
  });
});

describe('long-polling', () => {
  test('a POST above maxPayload is 413 and closes that session', async () => {
    const invalidBefore = await metric(srv.baseUrl, 'chat_gateway_invalid_packets_total');
    const { sid } = await pollingHandshake(srv.baseUrl, { token });
    const res = await pollingPost(srv.baseUrl, sid, `4${'x'.repeat(MAX_PAYLOAD * 2)}`);
    assert.equal(res.status, 413, res.text);
    assert.equal(res.json.error.code, 'payload_too_large');
    const after = await pollingGet(srv.baseUrl, sid);
    assert.equal(after.status, 400);
    assert.deepEqual(after.json, { code: 1, message: 'Session ID unknown' });
    assert.equal(await metric(srv.baseUrl, 'chat_gateway_invalid_packets_total'), invalidBefore + 1);
  });

  test('a POST above the HTTP body limit is 413 before the body is read', async () => {
    const { sid } = await pollingHandshake(srv.baseUrl, { token });
    const res = await pollingPost(srv.baseUrl, sid, 'x'.repeat(2 * 1024 * 1024));
    assert.equal(res.status, 413);
  });

  test('the bystander was served throughout', async () => {
    assert.ok(bystander.socket.connected);
    await bystander.joinPerson('00000000-0000-4000-8000-00000000000a');
    await assertHealthy(srv.baseUrl);
  });
});
