// A throw-away redis-server for the scale-out tests: a free 127.0.0.1 port
// picked at start and kept across restarts (so a restart comes back where the
// nodes expect it), no persistence, its files in a temporary directory.
//
//   const redis = await Redis.start();
//   redis.url                      // redis://127.0.0.1:<port>
//   await redis.command('PUBLISH', 'relay', '{...}');
//   await redis.publishAll('relay', ['{...}', ...]);  // pipelined on one connection
//   await redis.kill();            // SIGKILL, like a crash
//   await redis.restart();         // same port
//   await redis.stop();            // in after(): kills it and removes its directory

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sleep } from './expect.mjs';

/** A port that was free a moment ago on 127.0.0.1 (the kernel's choice). */
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
  /** Starts redis-server on a free port; retries with another port if the first was taken meanwhile. */
  static async start() {
    const dir = await mkdtemp(join(tmpdir(), 'simple-chat-redis-'));
    const redis = new Redis(dir);
    let lastError;
    for (let attempt = 0; attempt < 5; attempt++) {
      redis.port = await freePort();
      try {
        await redis.restart();
        return redis;
      } catch (err) {
        lastError = err;
      }
    }
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }

  constructor(dir) {
    this.dir = dir;
    this.port = 0;
    this.proc = null;
    this.output = '';
  }

  get url() { return `redis://127.0.0.1:${this.port}`; }

  /** (Re)starts the server on this.port; resolves once it answers PING. */
  async restart() {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--dir', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.on('error', () => {});
    proc.stdout.on('data', (d) => { this.output += d; });
    proc.stderr.on('data', (d) => { this.output += d; });
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (await this.command('PING').then((r) => r === '+PONG\r\n', () => false)) return;
      await sleep(50);
    }
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    throw new Error(`redis-server did not start on port ${this.port}:\n${this.output}`);
  }

  /** SIGKILL, as a crash would; resolves when the process is gone. */
  kill() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    return exited;
  }

  async stop() {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** One RESP command on a fresh connection; resolves with the raw reply. */
  command(...args) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.port, '127.0.0.1');
      const req = `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
      let reply = '';
      sock.setTimeout(5_000, () => sock.destroy(new Error('redis command timed out')));
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
        replies += lines.length; // PUBLISH answers one integer line each
        if (replies >= messages.length) { sock.end(); resolve(); }
      });
      sock.on('error', reject);
    });
  }
}
