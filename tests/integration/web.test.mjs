// The web client, end to end: Debian's Chromium (headless, driven by
// playwright-core) loads the page that `simple-chat serve` serves at `/` and
// two people chat through it. Also the static file serving itself: content
// types, caching, security headers, HEAD, traversal.
//
// Screenshots land in tests/integration/artifacts/ (gitignored). Any page
// error or console error fails the test. Waits are on conditions, never on
// time. The browser comes from $SIMPLE_CHAT_CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, api, login, uniqueEmail } from './lib/server.mjs';
import { connect } from './lib/raw.mjs';

const CHROMIUM = process.env.SIMPLE_CHAT_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const PASSWORD = 'correct-horse-42';
const SEEDED = 120; // more than two history pages (50 each)
const WAIT_MS = 10_000;

let srv;
let browser;

before(async () => {
  // A short access token lifetime, so the page must renew it during the test.
  srv = await startServer({ args: ['--access-token-ttl', '10'] });
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright-core gives every launch a fresh, throw-away user-data-dir.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

/** A page in its own context (own storage: another person) that records every error. */
async function openPage(viewport) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.stack ?? e}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console.error: ${m.text()}`);
  });
  // Which request a "Failed to load resource" console error was about.
  page.on('response', (r) => {
    if (r.status() >= 400) page.errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: `${ARTIFACTS}web-${name}.png` });
}

async function signUpInPage(page, { email, nickname }) {
  await page.goto(srv.baseUrl);
  await page.getByRole('tab', { name: 'Sign up' }).click();
  const form = page.locator('#signup-form');
  await form.getByLabel('E-mail').fill(email);
  await form.getByLabel('Nickname').fill(nickname);
  await form.getByLabel('Password').fill(PASSWORD);
  await shot(page, `sign-up-${page.viewportSize().width}`);
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#me', { hasText: nickname }).waitFor();
}

const roomItem = (page, name) => page.locator('.room-item', { has: page.locator('.room-name', { hasText: name }) });
const roomNames = (page) => page.locator('.room-item .room-name').allTextContents();
const firstSeq = (page) => page.locator('#messages .message').first().getAttribute('data-seq').then(Number);

test('two people chat in Chromium: invite, live messages, unread badge, history paging', async () => {
  const ann = { email: uniqueEmail('ann'), nickname: 'Ann' };
  const bob = { email: uniqueEmail('bob'), nickname: 'Bob <b>&amp;' }; // markup stays text
  const a = await openPage({ width: 1280, height: 800 });
  const b = await openPage({ width: 390, height: 844 }); // a phone
  // Ann logs in first; with a 10 s token her page must renew it silently.
  const renewed = a.waitForResponse((r) => r.url().endsWith('/token/refresh') && r.status() === 200,
    { timeout: 30_000 });

  await signUpInPage(a, ann);
  await signUpInPage(b, bob);
  assert.equal(await b.locator('#me').textContent(), bob.nickname);
  await shot(b, 'phone-empty-list');

  // Ann creates two rooms with Bob, by his e-mail; Bob sees both appear live.
  for (const name of ['Launch', 'Other']) {
    await a.getByRole('button', { name: 'New room' }).click();
    const dialog = a.locator('#room-dialog');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Invite by e-mail').fill(bob.email);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await a.locator('#room-title', { hasText: name }).waitFor();
    await roomItem(b, name).waitFor();
  }
  await b.locator('.toast', { hasText: 'Ann invited you' }).filter({ hasText: 'Other' }).waitFor();
  assert.deepEqual(await roomNames(b), ['Other', 'Launch']);
  await a.locator('#people-list li', { hasText: bob.nickname }).count().then((n) => assert.equal(n, 1));

  // History to page through: messages posted through the REST API as Ann.
  const roomId = await roomItem(a, 'Launch').getAttribute('data-room-id');
  const tokens = await login(srv.baseUrl, ann.email, PASSWORD);
  const annApi = api(srv.baseUrl, { token: tokens.accessToken });
  for (let i = 1; i <= SEEDED; i++) {
    const res = await annApi.post(`/rooms/${roomId}/messages`, { text: `seed ${i}` });
    assert.equal(res.status, 201);
  }
  await roomItem(b, 'Launch').locator('.badge', { hasText: String(SEEDED) }).waitFor();

  // Ann sends with Enter in the page; Bob's list moves Launch up, live.
  await roomItem(a, 'Launch').click();
  await a.locator('#room-title', { hasText: 'Launch' }).waitFor();
  await a.locator('#message-text').fill('hello from Ann');
  await a.locator('#message-text').press('Enter');
  await a.locator('#messages .message.mine', { hasText: 'hello from Ann' }).waitFor();
  await roomItem(b, 'Launch').locator('.room-preview', { hasText: 'Ann: hello from Ann' }).waitFor();
  await roomItem(b, 'Launch').locator('.badge', { hasText: String(SEEDED + 1) }).waitFor();
  assert.deepEqual(await roomNames(b), ['Launch', 'Other']);
  await shot(b, 'phone-unread');
  await shot(a, 'desktop-room');

  // Bob opens the room: the newest page shows and the badge clears.
  await roomItem(b, 'Launch').click();
  await b.locator('#messages .message', { hasText: 'hello from Ann' }).waitFor();
  await roomItem(b, 'Launch').locator('.badge').waitFor({ state: 'detached' });
  assert.ok(await b.locator('#room-list').isHidden(), 'the phone shows the room alone');

  // Shift+Enter is a new line, Enter sends; Ann sees Bob's message live.
  await b.locator('#message-text').pressSequentially('line one');
  await b.locator('#message-text').press('Shift+Enter');
  await b.locator('#message-text').pressSequentially('line two');
  await b.locator('#message-text').press('Enter');
  const fromBob = a.locator('#messages .message:not(.mine)', { hasText: 'line one' });
  await fromBob.waitFor();
  assert.equal(await fromBob.locator('.text').textContent(), 'line one\nline two');
  assert.equal(await fromBob.locator('.sender').textContent(), bob.nickname);

  // Ann writes again while Bob has the room open: it appears live, no badge.
  await a.locator('#message-text').fill('are you there?');
  await a.locator('#message-text').press('Enter');
  await b.locator('#messages .message', { hasText: 'are you there?' }).waitFor();

  // Scrolling up loads older pages until the first message.
  let oldest = await firstSeq(b);
  assert.ok(oldest > 1, `the first page starts at seq ${oldest}`);
  while (oldest > 1) {
    await b.locator('#messages').evaluate((el) => { el.scrollTop = 0; });
    await b.waitForFunction((seq) => Number(document.querySelector('#messages .message')?.dataset.seq) < seq,
      oldest, { timeout: WAIT_MS });
    oldest = await firstSeq(b);
  }
  await b.locator('#messages .message .text', { hasText: /^seed 1$/ }).waitFor();
  const shown = await b.locator('#messages .message').count();
  assert.equal(shown, SEEDED + 3, 'every message once, in order');
  const seqs = await b.locator('#messages .message').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.deepEqual(seqs, Array.from({ length: SEEDED + 3 }, (_, i) => i + 1));
  await shot(b, 'phone-history-top');

  // The back button shows the list again, badge still gone.
  await b.getByRole('button', { name: 'Back to rooms' }).click();
  await roomItem(b, 'Launch').waitFor();
  assert.equal(await roomItem(b, 'Launch').locator('.badge').count(), 0);

  // Ann's page renewed its token silently and still works.
  await renewed;
  await a.locator('#message-text').fill('after renewal');
  await a.locator('#message-text').press('Enter');
  await roomItem(b, 'Launch').locator('.room-preview', { hasText: 'Ann: after renewal' }).waitFor();
  await shot(b, 'phone-list-after');

  // Bob leaves Other (confirming in the dialog); Ann's participants list follows.
  await roomItem(a, 'Other').click();
  await a.getByRole('button', { name: 'People (2)' }).waitFor();
  await roomItem(b, 'Other').click();
  await b.getByRole('button', { name: 'Leave' }).click();
  await b.locator('#confirm-dialog').getByRole('button', { name: 'Leave' }).click();
  await roomItem(b, 'Other').waitFor({ state: 'detached' });
  assert.deepEqual(await roomNames(b), ['Launch']);
  await a.getByRole('button', { name: 'People (1)' }).waitFor();

  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

test('static files: types, caching, security headers, HEAD, 304, 404', async () => {
  const index = await fetch(`${srv.baseUrl}/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  const csp = index.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self' ws: wss:/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = await index.text();
  assert.match(html, /vendor\/socket\.io\.min\.js/);

  const etag = index.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]+"$/);
  const again = await fetch(`${srv.baseUrl}/index.html`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');

  for (const [path, type] of [['/js/main.js', 'text/javascript; charset=utf-8'],
    ['/css/app.css', 'text/css; charset=utf-8'],
    ['/vendor/socket.io.min.js', 'text/javascript; charset=utf-8'],
    ['/icon.svg', 'image/svg+xml']]) {
    const res = await fetch(srv.baseUrl + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), type, path);
    await res.arrayBuffer();
  }
  const vendor = await fetch(`${srv.baseUrl}/vendor/socket.io.min.js`).then((r) => r.text());
  assert.match(vendor, /Socket\.IO v4\.8\.4/, 'the stock socket.io-client build, from npm');

  const head = await fetch(`${srv.baseUrl}/js/main.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.ok(Number(head.headers.get('content-length')) > 1000);

  const missing = await fetch(`${srv.baseUrl}/nope.js`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'not_found');
  // Other methods and the API's own paths are not the web client's business.
  assert.equal((await fetch(`${srv.baseUrl}/index.html`, { method: 'POST' })).status, 404);
  assert.equal((await fetch(`${srv.baseUrl}/rooms`)).status, 401);
  assert.equal((await fetch(`${srv.baseUrl}/users`)).status, 405);
  assert.equal((await fetch(`${srv.baseUrl}/actuator/health`)).status, 200);
});

test('static files: no way out of the web root', async () => {
  // Raw request targets: fetch would normalise these away.
  for (const target of ['/../CMakeLists.txt', '/%2e%2e/CMakeLists.txt', '/js/%2e%2e/%2e%2e/CMakeLists.txt',
    '/..%2fCMakeLists.txt', '/%2e%2e%2f%2e%2e%2fetc/passwd', '/js/..%5c..%5cCMakeLists.txt', '//etc/passwd',
    '/.hidden', '/js/main.js%00.html']) {
    const conn = await connect(srv.port);
    await conn.send(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const res = await conn.response();
    conn.destroy();
    assert.ok(res.status === 404 || res.status === 400, `${target}: ${res.status}`);
    assert.doesNotMatch(res.text ?? '', /cmake_minimum_required|root:/, target);
  }
});
