// Test harness: starts the real `simple-chat serve` binary on an ephemeral
// port with a throw-away data directory and a random JWT secret, and stops it
// again. Also re-exports the small HTTP client and the JWT forging helpers so
// a test file needs one import.
//
//   const srv = await startServer();          // { baseUrl, port, secret, stop(), ... }
//   ...
//   await srv.stop();                         // SIGTERM, await exit, remove the data dir
//
// The binary comes from $SIMPLE_CHAT_BIN (CMake passes $<TARGET_FILE:simple-chat>).
// Set DEBUG=1 to keep the access log and copy the server's output to stderr.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export * from './api.mjs';
export * from './jwt.mjs';
export * from './expect.mjs';

// The abuse limits' defaults are production values; the suite hammers a few
// endpoints from one address, so they are off unless a test passes its own.
const TEST_LIMITS = {
  serve: ['--login-rate-per-account', '--login-rate-per-ip', '--signup-rate-per-ip',
    '--message-rate-per-user', '--join-rate-per-socket'],
  api: ['--login-rate-per-account', '--login-rate-per-ip', '--signup-rate-per-ip',
    '--message-rate-per-user'],
  gateway: ['--join-rate-per-socket'],
};

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const LISTENING = /listening on 127\.0\.0\.1:(\d+)/;

/**
 * SIMPLE_CHAT_IT_BACKEND=mariadb|postgresql runs the suite against that
 * server (its URL from SIMPLE_CHAT_TEST_MARIADB_URL / _POSTGRES_URL, which the
 * test command exports); unset or sqlite: each server's own SQLite file.
 */
export function backendDatabase() {
  const backend = process.env.SIMPLE_CHAT_IT_BACKEND ?? 'sqlite';
  if (backend === 'sqlite') return null;
  const variable = { mariadb: 'SIMPLE_CHAT_TEST_MARIADB_URL', postgresql: 'SIMPLE_CHAT_TEST_POSTGRES_URL' }[backend];
  if (!variable) throw new Error(`unknown SIMPLE_CHAT_IT_BACKEND ${backend}`);
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} is not set: start the servers with scripts/db-servers (scripts/test does)`);
  return url;
}

/** The server binary; a clear failure when the variable is missing. */
export function serverBinary() {
  const bin = process.env.SIMPLE_CHAT_BIN;
  if (!bin) {
    throw new Error('SIMPLE_CHAT_BIN is not set: run through ctest, or export ' +
      'SIMPLE_CHAT_BIN=/path/to/build/src/app/simple-chat');
  }
  return bin;
}

/** A random secret of `length` URL-safe characters (48 by default). */
export function randomSecret(length = 48) {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/**
 * Starts `simple-chat serve`. Options:
 *   args:   extra command line arguments (appended)
 *   env:    extra environment variables
 *   secret: the JWT secret (default: random, 48 characters)
 *   role:   the subcommand: serve (default), api or gateway
 *   accessLog: keep the access log (default: only with DEBUG=1)
 * Resolves once the "listening on" line appeared; rejects after 20 s or when
 * the process exits first, with everything it printed.
 */
export async function startServer({ args = [], env = {}, secret = randomSecret(), role = 'serve', accessLog } = {}) {
  const debug = Boolean(process.env.DEBUG);
  const dataDir = await mkdtemp(join(tmpdir(), 'simple-chat-it-'));
  const argv = [role, '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--jwt-secret', secret];
  if (!(accessLog ?? debug)) argv.push('--no-access-log');
  const database = backendDatabase();
  if (database && !args.includes('--database')) argv.push('--database', database);
  for (const flag of TEST_LIMITS[role] ?? []) {
    if (!args.includes(flag)) argv.push(flag, '0');
  }
  argv.push(...args);

  const child = spawn(serverBinary(), argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk) => {
    const text = chunk.toString();
    output += text;
    if (debug) process.stderr.write(text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnError = new Promise((_, reject) => child.once('error', reject));

  let port;
  try {
    port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`server did not report "listening on" within ${START_TIMEOUT_MS} ms; ` +
          `output so far:\n${output}`));
      }, START_TIMEOUT_MS);
      const check = () => {
        const m = LISTENING.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      spawnError.catch((err) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${serverBinary()}: ${err.message}`));
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`server exited before listening (code ${code}, signal ${signal}); ` +
          `output:\n${output}`));
      });
    });
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  let stopping;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    secret,
    dataDir,
    process: child,
    /** Everything the server printed so far. */
    output: () => output,
    /** Resolves with { code, signal } when the process has exited. */
    exited,
    /**
     * SIGTERM, wait for the exit (SIGKILL after 10 s), remove the data dir.
     * Resolves with { code, signal, killed }. Idempotent.
     */
    stop() {
      stopping ??= (async () => {
        let killed = false;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => {
            killed = true;
            child.kill('SIGKILL');
          }, STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        const result = { ...(await exited), killed };
        await rm(dataDir, { recursive: true, force: true });
        return result;
      })();
      return stopping;
    },
  };
}
