// A throw-away redis-server on loopback for the scale-out and fault tests,
// on a port fixed at construction so a restart comes back where the nodes
// expect it; and a free-port helper.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export class Redis {
  /** A redis-server on a free port with its own temporary directory, started. */
  static async start() {
    const dir = await mkdtemp(join(tmpdir(), 'simple-chat-redis-'));
    const r = new Redis(await freePort(), dir);
    await r.start();
    return r;
  }

  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
    this.url = `redis://127.0.0.1:${port}`;
  }

  async start() {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await this.command('PING').then(() => true, () => false)) return;
      await sleep(50);
    }
    throw new Error('redis-server did not start');
  }

  get running() { return this.proc && this.proc.exitCode === null && this.proc.signalCode === null; }

  kill() {
    if (!this.running) return Promise.resolve();
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    return exited;
  }

  /** Kills the server and removes its directory. */
  async stop() {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** One RESP command; resolves with the raw reply. */
  command(...args) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.port, '127.0.0.1');
      const req = `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
      let reply = '';
      sock.on('connect', () => sock.write(req));
      sock.on('data', (d) => {
        reply += d;
        if (reply.endsWith('\r\n')) { sock.end(); resolve(reply); }
      });
      sock.on('error', reject);
    });
  }

  /** PUBLISHes every message on one connection, pipelined; resolves when Redis has answered all. */
  publishAll(channel, messages) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.port, '127.0.0.1');
      let replies = 0;
      let pending = '';
      sock.on('connect', () => {
        for (const m of messages) {
          sock.write(`*3\r\n$7\r\nPUBLISH\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n` +
            `$${Buffer.byteLength(m)}\r\n${m}\r\n`);
        }
      });
      sock.on('data', (d) => {
        pending += d;
        const lines = pending.split('\r\n');
        pending = lines.pop();
        replies += lines.length;  // PUBLISH answers one integer line each
        if (replies >= messages.length) { sock.end(); resolve(); }
      });
      sock.on('error', reject);
    });
  }
}
