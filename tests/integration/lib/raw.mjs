// Raw HTTP/1.1 over a TCP socket, for what fetch cannot do: oversized bodies
// the server refuses mid-upload, request targets fetch would normalise, and
// bodies sent in pieces.

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';

/** Parses one HTTP/1.1 response (status line, headers, Content-Length body). */
export function parseResponse(text) {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 80))}`);
  const headers = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = text.slice(headEnd + 4);
  if (Buffer.byteLength(body) < length) return null;
  let json = null;
  if ((headers['content-type'] ?? '').includes('json') && length > 0) json = JSON.parse(body);
  return { status: Number(m[1]), headers, text: body, body: json };
}

/**
 * Opens a connection. conn.send(data) writes (errors such as EPIPE after the
 * server closed are recorded, not thrown); conn.response() resolves with the
 * first complete response, or with what arrived when the socket closed;
 * conn.closed resolves when the server closed the connection.
 */
export function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let received = '';
    const waiters = [];
    const writeErrors = [];
    let closed;
    const closedP = new Promise((r) => { closed = r; });
    const check = () => {
      const parsed = (() => { try { return parseResponse(received); } catch (e) { return e; } })();
      if (parsed) {
        while (waiters.length) waiters.shift()(parsed);
      }
    };
    socket.on('data', (d) => { received += d.toString('latin1'); check(); });
    socket.on('error', (err) => { writeErrors.push(err); });
    socket.on('close', () => {
      check();
      const parsed = (() => { try { return parseResponse(received); } catch (e) { return e; } })();
      while (waiters.length) waiters.shift()(parsed ?? { status: null, raw: received });
      closed();
    });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve({
        socket,
        writeErrors,
        closed: closedP,
        raw: () => received,
        send(data) {
          return new Promise((r) => {
            if (socket.destroyed) return r(false);
            socket.write(data, (err) => r(!err));
          });
        },
        response() {
          const parsed = (() => { try { return parseResponse(received); } catch (e) { return e; } })();
          if (parsed) return Promise.resolve(parsed);
          if (socket.destroyed) return Promise.resolve({ status: null, raw: received });
          return new Promise((r) => waiters.push(r));
        },
        reset() { received = ''; },
        end() { socket.end(); },
        destroy() { socket.destroy(); },
      });
    });
    socket.once('error', reject);
  });
}

/**
 * One JSON request over node:http from a chosen local address (127.0.0.x),
 * for limits kept per client address. Resolves like api(): { status, headers
 * (a Headers), body, text }.
 */
export function requestFrom(localAddress, baseUrl, method, path, { body, token } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search,
      method, headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        if ((res.headers['content-type'] ?? '').includes('json') && text) json = JSON.parse(text);
        const h = new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
        resolve({ status: res.statusCode, headers: h, body: json, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * The bytes of a WebSocket upgrade request for the Engine.IO endpoint
 * (RFC 6455 §4.1), for clients built on a bare TCP socket.
 */
export function wsUpgradeRequest({ path = '/socket.io/?EIO=4&transport=websocket', token, headers = {} } = {}) {
  const lines = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13'];
  if (token) lines.push(`Authorization: Bearer ${token}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * One masked client frame (RFC 6455 §5.2): text by default; `length`
 * overrides the declared payload length (to announce more than is sent).
 */
export function wsFrame(payload, { opcode = 1, fin = true, length } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const n = length ?? data.length;
  let header;
  if (n < 126) {
    header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | n]);
  } else if (n < 65536) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(n, 2);
    header[1] = 0x80 | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(n), 2);
    header[1] = 0x80 | 127;
  }
  header[0] = (fin ? 0x80 : 0) | opcode;
  const mask = randomBytes(4);
  const masked = Buffer.from(data);
  for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}
