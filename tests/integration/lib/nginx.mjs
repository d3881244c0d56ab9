// nginx with the shipped configuration (deploy/nginx/simple-chat.conf, used
// unchanged) in front of test nodes, as an unprivileged foreground process:
// everything it writes (pid, logs, temp files) goes to a throw-away prefix
// directory, and the three per-site files the shipped file includes
// (simple-chat/api-servers.conf, gateway-servers.conf, site.conf) are written
// there with the test's addresses and a free port.
//
//   const proxy = await startNginx({ api: ['127.0.0.1:4001', ...], gateway: [...] });
//   proxy.baseUrl                 // http://127.0.0.1:<port>
//   await proxy.accessLog()       // parsed lines of the shipped `simple_chat` log format
//   await proxy.stop();

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sleep } from './expect.mjs';
import { freePort } from './redis.mjs';

/** The shipped configuration, relative to this file. */
export const SHIPPED_CONF = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy/nginx/simple-chat.conf');

const START_TIMEOUT_MS = 10_000;

function mainConf(prefix) {
  // Root's workers would otherwise switch to `nobody`, who cannot enter the
  // private prefix directory; an unprivileged nginx ignores `user` anyway.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
events { worker_connections 512; }
http {
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    include ${SHIPPED_CONF};
}
`;
}

/**
 * Starts nginx on a free 127.0.0.1 port in front of `api` and `gateway`
 * (arrays of HOST:PORT). Resolves once a request through it reaches an api
 * node; rejects with nginx's error log if it does not start.
 */
export async function startNginx({ api, gateway }) {
  const prefix = await mkdtemp(join(tmpdir(), 'simple-chat-nginx-'));
  const site = join(prefix, 'simple-chat');
  await mkdir(site);
  await writeFile(join(prefix, 'nginx.conf'), mainConf(prefix));
  const servers = (list) => list.map((a) => `server ${a} max_fails=1 fail_timeout=10s;\n`).join('');
  await writeFile(join(site, 'api-servers.conf'), servers(api));
  await writeFile(join(site, 'gateway-servers.conf'), servers(gateway));

  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    await writeFile(join(site, 'site.conf'), `listen 127.0.0.1:${port};
server_name localhost;
access_log ${prefix}/access.log simple_chat;
error_log ${prefix}/error.log info;
`);
    try {
      return await launch(prefix, port);
    } catch (err) {
      lastError = err;
      if (!/Address already in use/.test(err.message)) break;
    }
  }
  await rm(prefix, { recursive: true, force: true });
  throw lastError;
}

async function launch(prefix, port) {
  const child = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'),
    '-g', `daemon off; pid ${prefix}/nginx.pid; error_log ${prefix}/startup.log info;`],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const spawnError = new Promise((r) => child.once('error', r));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const failed = await Promise.race([exited, spawnError, sleep(50).then(() => null)]);
    if (failed) {
      const log = await readFile(join(prefix, 'startup.log'), 'utf8').catch(() => '');
      throw new Error(`nginx did not start: ${failed.message ?? JSON.stringify(failed)}\n${output}\n${log}`);
    }
    const res = await fetch(`${baseUrl}/actuator/health/liveness`).catch(() => null);
    if (res?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`nginx on port ${port} did not proxy within ${START_TIMEOUT_MS} ms\n${output}`);
    }
  }

  let stopping;
  return {
    baseUrl,
    port,
    prefix,
    /** Lines of the access log, each { line, request, status, rid, upstream }. */
    async accessLog() {
      const text = await readFile(join(prefix, 'access.log'), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map(parseLogLine);
    },
    /** The error log's text (empty if none). */
    errorLog() {
      return readFile(join(prefix, 'error.log'), 'utf8').catch(() => '');
    },
    /** Fast shutdown (SIGTERM closes open WebSockets too), then removes the prefix. */
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(prefix, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

// The shipped `simple_chat` format:
// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
// "$http_referer" "$http_user_agent" rid=... upstream=... upstream_status=... rt=... urt=...
const LOG_LINE = /^(\S+) - \S+ \[[^\]]+\] "([^"]*)" (\d{3}) \d+ "[^"]*" "[^"]*" rid=(\S+) upstream=(\S+) upstream_status=(\S+)/;

function parseLogLine(line) {
  const m = LOG_LINE.exec(line);
  if (!m) return { line };
  return { line, remote: m[1], request: m[2], status: Number(m[3]), rid: m[4], upstream: m[5], upstreamStatus: m[6] };
}
