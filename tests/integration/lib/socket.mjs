// Helpers for the gateway tests: the stock `socket.io-client` (what a real
// client runs) wrapped so a test can wait for `event.server` answers and relay
// events, plus a raw Engine.IO client over `ws` and over HTTP long-polling for
// what socket.io-client never sends (no pong, malformed packets, junk bodies).
//
//   const pool = clientPool(srv.baseUrl);
//   const c = await pool.connect({ token: alice.accessToken, transport: TRANSPORTS[0] });
//   await c.joinRoom(room.id);                       // asserts the exact success answer
//   const ev = await c.waitForRelay('room.msg.new', (e) => e.messageId === msg.id);
//   await pool.closeAll();                           // in after()
//
// Nothing here asserts on timings beyond generous timeouts.

import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import WebSocket from 'ws';

export const DEFAULT_WAIT_MS = 5_000;
export const SOCKET_PATH = '/socket.io/';

/** The two ways socket.io-client reaches us (SPEC §2). */
export const TRANSPORTS = [
  { name: 'polling, then upgrade', opts: {}, upgrades: true },
  { name: 'websocket only', opts: { transports: ['websocket'] }, upgrades: false },
];

/** Socket.IO join requests (SPEC §2), exactly as the note's client sends them. */
export const joinRequest = {
  chat: (roomId) => ({ type: 'chat', roomId, msg: 'room connection request' }),
  person: (userId) => ({ type: 'person', userId, msg: 'person connection request' }),
  all: () => ({ type: 'all', msg: 'default connection request' }),
};

/** The exact success answers (SPEC §2). */
export const joinSuccess = {
  chat: (roomId) => ({ type: 'chat', roomId, msg: 'connection success' }),
  person: (userId) => ({ type: 'person', userId, msg: 'connection success' }),
  all: () => ({ type: 'all', msg: 'connection success' }),
};

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isJoinAnswer = (ev) => isObject(ev) && !('relay-type' in ev) &&
  (ev.msg === 'connection success' || ev.msg === 'connection failure');
const show = (v) => {
  const text = JSON.stringify(v);
  return text && text.length > 400 ? `${text.slice(0, 400)}…` : text;
};

/**
 * A "connection failure" answer (SPEC §2): msg, an error object with string
 * code and message, and `type` / `roomId` / `userId` echoed as sent (when
 * they were sent as strings).
 */
export function assertJoinFailure(answer, request) {
  assert.ok(isObject(answer), `join answer is an object: ${show(answer)}`);
  assert.equal(answer.msg, 'connection failure', `expected a failure, got ${show(answer)}`);
  assert.ok(isObject(answer.error), `failure has an error object: ${show(answer)}`);
  assert.equal(typeof answer.error.code, 'string', show(answer));
  assert.ok(answer.error.code.length > 0, show(answer));
  assert.equal(typeof answer.error.message, 'string', show(answer));
  assert.ok(answer.error.message.length > 0, show(answer));
  if (isObject(request)) {
    for (const key of ['type', 'roomId', 'userId']) {
      if (typeof request[key] === 'string') assert.equal(answer[key], request[key], `"${key}" echoed as sent: ${show(answer)}`);
    }
  }
  return answer.error;
}

/** Wraps one socket.io-client socket and records what it receives. */
export class ChatClient {
  constructor(socket) {
    this.socket = socket;
    this.received = []; // every event.server payload, in order
    this.unexpected = []; // any other event, or event.server with != 1 argument
    this.consumed = new Set();
    this.waiters = new Set();
    socket.onAny((name, ...args) => {
      if (name !== 'event.server') this.unexpected.push([name, ...args]);
    });
    socket.on('event.server', (...args) => {
      if (args.length !== 1) this.unexpected.push(['event.server', ...args]);
      this.received.push(args[0]);
      for (const w of [...this.waiters]) w();
    });
  }

  get id() { return this.socket.id; }
  get transportName() { return this.socket.io.engine?.transport?.name; }

  /** Resolves on `connect`; rejects with the error on `connect_error`. */
  connected(timeout = DEFAULT_WAIT_MS) {
    if (this.socket.connected) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      const done = (fn) => (arg) => {
        clearTimeout(timer);
        this.socket.off('connect', ok);
        this.socket.off('connect_error', bad);
        fn(arg);
      };
      const ok = done(() => resolve(this));
      const bad = done((err) => reject(Object.assign(new Error(`connect_error: ${err.message}`), { cause: err })));
      const timer = setTimeout(done(() => reject(new Error(`no connect within ${timeout} ms`))), timeout);
      this.socket.once('connect', ok);
      this.socket.once('connect_error', bad);
    });
  }

  /** Resolves with the `connect_error` Error; rejects if the socket connects. */
  refused(timeout = DEFAULT_WAIT_MS) {
    return new Promise((resolve, reject) => {
      const done = (fn) => (arg) => {
        clearTimeout(timer);
        this.socket.off('connect', ok);
        this.socket.off('connect_error', bad);
        fn(arg);
      };
      const ok = done(() => reject(new Error(`connected (id ${this.socket.id}) although the token is not valid`)));
      const bad = done((err) => resolve(err));
      const timer = setTimeout(done(() => reject(new Error(`neither connect nor connect_error within ${timeout} ms`))), timeout);
      this.socket.once('connect', ok);
      this.socket.once('connect_error', bad);
    });
  }

  /** Resolves once the engine runs on WebSocket (after the polling → websocket upgrade). */
  upgraded(timeout = DEFAULT_WAIT_MS) {
    const engine = this.socket.io.engine;
    if (engine.transport.name === 'websocket') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no upgrade to websocket within ${timeout} ms ` +
        `(transport ${engine.transport.name})`)), timeout);
      engine.once('upgrade', () => { clearTimeout(timer); resolve(); });
      engine.once('upgradeError', (err) => { clearTimeout(timer); reject(new Error(`upgradeError: ${err.message}`)); });
    });
  }

  /**
   * The first not yet consumed `event.server` payload matching `pred`
   * (received before or after the call); consumes it. Rejects after `timeout`
   * with what was received.
   */
  waitFor(pred, { timeout = DEFAULT_WAIT_MS, what = 'a matching event.server' } = {}) {
    const find = () => {
      for (let i = 0; i < this.received.length; i++) {
        if (!this.consumed.has(i) && pred(this.received[i])) {
          this.consumed.add(i);
          return { found: true, value: this.received[i] };
        }
      }
      return { found: false };
    };
    const first = find();
    if (first.found) return Promise.resolve(first.value);
    return new Promise((resolve, reject) => {
      const waiter = () => {
        const r = find();
        if (r.found) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(r.value);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`socket ${this.socket.id}: no ${what} within ${timeout} ms; ` +
          `received: ${show(this.received)}`));
      }, timeout);
      this.waiters.add(waiter);
    });
  }

  /** The next relay event of `msgType` that also satisfies `pred`. */
  waitForRelay(msgType, pred = () => true, opts = {}) {
    return this.waitFor((ev) => isObject(ev) && ev['msg-type'] === msgType && pred(ev),
      { what: `relay ${msgType}`, ...opts });
  }

  /** Received so far and not consumed, matching `pred`. */
  pending(pred = () => true) {
    return this.received.filter((ev, i) => !this.consumed.has(i) && pred(ev));
  }

  /** Relay events received so far (consumed or not) matching `pred`. */
  relays(pred = () => true) {
    return this.received.filter((ev) => isObject(ev) && 'relay-type' in ev && pred(ev));
  }

  /** Emits `event.client` with `payload` and resolves with the join answer for it. */
  async request(payload, opts = {}) {
    this.socket.emit('event.client', payload);
    const sameTarget = (ev) => !isObject(payload) ||
      (ev.type === payload.type && ev.roomId === payload.roomId && ev.userId === payload.userId);
    return this.waitFor((ev) => isJoinAnswer(ev) && sameTarget(ev),
      { what: `answer to ${show(payload)}`, ...opts });
  }

  /** Joins and asserts the exact success answer (deep equality, no extra fields). */
  async joinRoom(roomId) {
    assert.deepEqual(await this.request(joinRequest.chat(roomId)), joinSuccess.chat(roomId));
  }

  async joinPerson(userId) {
    assert.deepEqual(await this.request(joinRequest.person(userId)), joinSuccess.person(userId));
  }

  async joinAll() {
    assert.deepEqual(await this.request(joinRequest.all()), joinSuccess.all());
  }

  close() {
    this.socket.disconnect();
  }
}

/**
 * socket.io-client options for `transport` (an entry of TRANSPORTS) with the
 * token sent `via` 'header' (Authorization: Bearer on the handshake) or
 * 'auth' (the CONNECT payload {token}); token undefined: none at all.
 * No reconnection, a fresh Manager per socket.
 */
export function clientOptions({ token, via = 'header', transport = TRANSPORTS[1], path, ...extra } = {}) {
  const opts = { forceNew: true, reconnection: false, timeout: DEFAULT_WAIT_MS, ...transport.opts, ...extra };
  if (path) opts.path = path;
  if (token !== undefined && token !== null) {
    if (via === 'header') opts.extraHeaders = { Authorization: `Bearer ${token}` };
    else if (via === 'auth') opts.auth = { token };
    else throw new Error(`clientOptions: unknown via ${via}`);
  }
  return opts;
}

/** Creates clients for one server and closes them all at the end. */
export function clientPool(baseUrl) {
  const clients = new Set();
  return {
    /** A new ChatClient, not awaited (use .connected() or .refused()). */
    open(options = {}) {
      const c = new ChatClient(io(baseUrl, clientOptions(options)));
      clients.add(c);
      return c;
    },
    /** A new ChatClient, connected (rejects on connect_error). */
    async connect(options = {}) {
      const c = this.open(options);
      await c.connected();
      return c;
    },
    closeAll() {
      for (const c of clients) c.close();
      clients.clear();
    },
  };
}

// ---------------------------------------------------------------------------
// Raw Engine.IO over WebSocket

/**
 * A raw WebSocket to the gateway: `ws://127.0.0.1:<port><path>?EIO=4&transport=websocket`
 * (`query` replaces the query string). Records every message (text as string,
 * binary as Buffer). `autoPong` answers Engine.IO pings ("2" → "3"); `localAddress`
 * picks the client address (127.0.0.x).
 */
export class RawSocket {
  static open(port, { path = SOCKET_PATH, query = 'EIO=4&transport=websocket', headers = {}, token,
    autoPong = true, timeout = DEFAULT_WAIT_MS, localAddress } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}?${query}`, { headers: h, perMessageDeflate: false, localAddress });
    const raw = new RawSocket(ws, autoPong);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { ws.terminate(); reject(new Error(`WebSocket not open within ${timeout} ms`)); }, timeout);
      ws.once('open', () => { clearTimeout(timer); resolve(raw); });
      ws.once('unexpected-response', (req, res) => {
        clearTimeout(timer);
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => {
          req.destroy();
          const err = new Error(`WebSocket refused: HTTP ${res.statusCode}: ${body}`);
          Object.assign(err, { status: res.statusCode, headers: res.headers, body });
          reject(err);
        });
      });
      ws.once('error', (err) => { clearTimeout(timer); reject(err); });
    });
  }

  constructor(ws, autoPong) {
    this.ws = ws;
    this.autoPong = autoPong;
    this.messages = [];
    this.cursor = 0;
    this.waiters = new Set();
    this.errors = [];
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString(), at: Date.now() };
        for (const w of [...this.waiters]) w();
        resolve(this.closeInfo);
      });
    });
    ws.on('error', (err) => this.errors.push(err));
    ws.on('message', (data, isBinary) => {
      const m = isBinary ? Buffer.from(data) : data.toString();
      if (this.autoPong && m === '2') this.send('3');
      this.messages.push(m);
      for (const w of [...this.waiters]) w();
    });
  }

  get isOpen() { return this.ws.readyState === WebSocket.OPEN; }

  send(data, opts) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, opts);
  }

  /**
   * The next message after the cursor matching `pred` (skipping the ones that
   * do not match); rejects on timeout or when the socket closes first.
   */
  next(pred = () => true, { timeout = DEFAULT_WAIT_MS, what = 'a matching message' } = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        while (this.cursor < this.messages.length) {
          const m = this.messages[this.cursor++];
          if (pred(m)) return finish(() => resolve(m));
        }
        if (this.closeInfo) {
          finish(() => reject(new Error(`closed (${this.closeInfo.code} ${this.closeInfo.reason}) before ${what}; ` +
            `received ${show(this.messages.map(String))}`)));
        }
        return undefined;
      };
      const finish = (fn) => { clearTimeout(timer); this.waiters.delete(check); fn(); };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${timeout} ms; ` +
        `received ${show(this.messages.map(String))}`))), timeout);
      this.waiters.add(check);
      check();
    });
  }

  /** The Engine.IO open packet's JSON (the first message). */
  async openPacket() {
    const m = await this.next((x) => typeof x === 'string' && x.startsWith('0'), { what: 'the open packet' });
    return JSON.parse(m.slice(1));
  }

  /** Sends a Socket.IO CONNECT to "/" (with `auth` when given) and resolves with the answer packet. */
  async connectNamespace(auth) {
    this.send(auth === undefined ? '40' : `40${JSON.stringify(auth)}`);
    return this.next((x) => typeof x === 'string' && (x.startsWith('40') || x.startsWith('44')),
      { what: 'a CONNECT or CONNECT_ERROR answer' });
  }

  /** Resolves with {code, reason} when the connection is closed; rejects after `timeout`. */
  waitClosed(timeout = DEFAULT_WAIT_MS) {
    return Promise.race([
      this.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`still open after ${timeout} ms; ` +
        `received ${show(this.messages.map(String))}`)), timeout).unref()),
    ]);
  }

  terminate() {
    this.ws.terminate();
  }
}

// ---------------------------------------------------------------------------
// Raw Engine.IO over HTTP long-polling and plain HTTP

/** `<baseUrl>/socket.io/?<query>` */
export const eioUrl = (baseUrl, query, path = SOCKET_PATH) => `${baseUrl}${path}?${query}`;

/** fetch() resolving with { status, headers, text, json } (json: parsed body or null). */
export async function fetchText(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * A polling handshake: GET ?EIO=4&transport=polling; asserts 200 and an open
 * packet; resolves with { sid, open, res }.
 */
export async function pollingHandshake(baseUrl, { token, headers = {}, path } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetchText(eioUrl(baseUrl, 'EIO=4&transport=polling', path), { headers: h });
  assert.equal(res.status, 200, `polling handshake: ${res.status} ${res.text}`);
  assert.equal(res.text[0], '0', `polling handshake answers an open packet: ${res.text}`);
  const open = JSON.parse(res.text.slice(1));
  return { sid: open.sid, open, res };
}

/** GET / POST on a polling session. */
export function pollingGet(baseUrl, sid, { path, signal } = {}) {
  return fetchText(eioUrl(baseUrl, `EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, path), { signal });
}

export function pollingPost(baseUrl, sid, body, { path, contentType = 'text/plain;charset=UTF-8' } = {}) {
  return fetchText(eioUrl(baseUrl, `EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, path), {
    method: 'POST', body, headers: { 'content-type': contentType },
  });
}

/** An Engine.IO HTTP error answer: status 400 and exactly {"code", "message"} as JSON. */
export function assertEioError(res, code, message) {
  assert.equal(res.status, 400, `expected 400 {"code":${code}}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/, `content-type of ${res.text}`);
  assert.deepEqual(res.json, { code, message }, `body: ${res.text}`);
}

/** GET /actuator/health answers 200 {"status":"UP"}. */
export async function assertHealthy(baseUrl) {
  const res = await fetchText(`${baseUrl}/actuator/health`);
  assert.equal(res.status, 200, `health: ${res.status} ${res.text}`);
  assert.equal(res.json?.status, 'UP', `health: ${res.text}`);
}
