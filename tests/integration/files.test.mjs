// Files: upload (multipart/form-data and raw bodies), metadata, download with
// ETag / If-None-Match / Range, safe headers, content-addressed storage
// (identical uploads stored once, client names never paths), size limits,
// attachments on room and thread messages, and who may read a file.

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  api, assertError, assertStatus, assertValidation, ISO_MS_RE, signUpMany, startServer, UUID_RE,
} from './lib/server.mjs';

let srv;
let alice;
let bob;
let carol; // outsider
before(async () => {
  srv = await startServer();
  [alice, bob, carol] = await signUpMany(srv.baseUrl, 3);
});
after(() => srv?.stop());

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const unique = (label) => Buffer.from(`${label} ${randomUUID()}\n`);

/** POST /files as multipart/form-data with one file part (and any extra fields). */
async function uploadMultipart(user, bytes, name, type, fields = {}, baseUrl = srv.baseUrl) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([bytes], { type }), name);
  return send(baseUrl, user, { body: form });
}

/** POST /files with the bytes as the body. */
async function uploadRaw(user, bytes, { query = '', type, headers = {}, baseUrl = srv.baseUrl } = {}) {
  const h = { ...headers };
  if (type) h['content-type'] = type;
  return send(baseUrl, user, { body: bytes, headers: h, query });
}

async function send(baseUrl, user, { body, headers = {}, query = '' }) {
  const res = await fetch(new URL(`/files${query}`, baseUrl), {
    method: 'POST', body, headers: { ...headers, authorization: `Bearer ${user.accessToken}` },
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : null;
  return { status: res.status, headers: res.headers, body: json, text };
}

/** GET /files/{id}/content as bytes. */
async function download(user, id, headers = {}) {
  const res = await fetch(new URL(`/files/${id}/content`, srv.baseUrl), {
    headers: { ...headers, authorization: `Bearer ${user.accessToken}` },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Every regular file under the server's data directory, relative paths. */
async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(join(entry.path ?? entry.parentPath, entry.name));
  }
  return out;
}

async function roomOf(owner, others) {
  return assertStatus(await owner.client.post('/rooms', { participantIds: others.map((u) => u.id) }), 201);
}

describe('POST /files', () => {
  test('multipart upload: 201 with the metadata', async () => {
    const bytes = unique('hello multipart');
    const res = await uploadMultipart(alice, bytes, 'hello.txt', 'text/plain');
    const f = assertStatus(res, 201);
    assert.deepEqual(Object.keys(f).sort(),
      ['contentType', 'contentUrl', 'createdAt', 'id', 'kind', 'name', 'sha256', 'size', 'uploaderId']);
    assert.match(f.id, UUID_RE);
    assert.equal(res.headers.get('location'), `/files/${f.id}`);
    assert.equal(f.name, 'hello.txt');
    assert.equal(f.size, bytes.length);
    assert.equal(f.contentType, 'text/plain');
    assert.equal(f.kind, 'document');
    assert.equal(f.sha256, sha256(bytes));
    assert.equal(f.uploaderId, alice.id);
    assert.match(f.createdAt, ISO_MS_RE);
    assert.equal(f.contentUrl, `/files/${f.id}/content`);
    assert.deepEqual(assertStatus(await alice.client.get(`/files/${f.id}`), 200), f);
    // Other form fields beside the one file part are ignored.
    const g = assertStatus(await uploadMultipart(alice, unique('x'), 'x.png', 'image/png', { note: 'n' }), 201);
    assert.equal(g.kind, 'image');
  });

  test('raw upload named by ?name=, X-Filename or Content-Disposition; kind from the type', async () => {
    const a = assertStatus(await uploadRaw(alice, unique('a'), { query: '?name=song.ogg', type: 'audio/ogg' }), 201);
    assert.equal(a.name, 'song.ogg');
    assert.equal(a.kind, 'audio');
    const b = assertStatus(await uploadRaw(alice, unique('b'), {
      type: 'application/pdf', headers: { 'x-filename': encodeURIComponent('보고서 2026.pdf') },
    }), 201);
    assert.equal(b.name, '보고서 2026.pdf');
    assert.equal(b.kind, 'document');
    const c = assertStatus(await uploadRaw(alice, unique('c'), {
      type: 'Video/MP4; codecs="avc1"',
      headers: { 'content-disposition': `attachment; filename="fallback.mp4"; filename*=UTF-8''%ED%81%B4%EB%A6%BD.mp4` },
    }), 201);
    assert.equal(c.name, '클립.mp4');
    assert.equal(c.contentType, 'video/mp4');
    assert.equal(c.kind, 'video');
    const d = assertStatus(await uploadRaw(alice, unique('d'), { query: '?name=a.zip', type: 'application/zip' }), 201);
    assert.equal(d.kind, 'other');
    const e = assertStatus(await uploadRaw(alice, unique('e'), { query: '?name=e' }), 201);
    assert.equal(e.contentType, 'application/octet-stream');
    assert.equal(e.kind, 'other');
  });

  test('400 for an empty file, a missing name, bad multipart bodies', async () => {
    assertError(await uploadRaw(alice, Buffer.alloc(0), { query: '?name=empty.txt' }), 400, 'bad_request');
    assertError(await uploadMultipart(alice, Buffer.alloc(0), 'empty.txt', 'text/plain'), 400, 'bad_request');
    assertValidation(await uploadRaw(alice, unique('nameless')), ['name']);
    assertValidation(await uploadRaw(alice, unique('blank'), { query: '?name=%20%20' }), ['name']);
    assertValidation(await uploadRaw(alice, unique('long'), { query: `?name=${'n'.repeat(256)}` }), ['name']);
    assertValidation(await uploadRaw(alice, unique('bad utf-8'), { headers: { 'x-filename': '%FF%FE.txt' } }), ['name']);
    const boundary = 'b0undary';
    const type = `multipart/form-data; boundary=${boundary}`;
    // No close delimiter.
    assertError(await uploadRaw(alice, Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc`), { type }), 400);
    // No file part, only a field.
    assertError(await uploadRaw(alice, Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\nabc\r\n--${boundary}--\r\n`), { type }), 400);
    // Two file parts.
    const part = (n) => `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="${n}"\r\n\r\n${n}\r\n`;
    assertError(await uploadRaw(alice, Buffer.from(`${part('a')}${part('b')}--${boundary}--\r\n`), { type }), 400);
    // A boundary missing from the Content-Type.
    assertError(await uploadRaw(alice, Buffer.from('whatever'), { type: 'multipart/form-data' }), 400);
    assertError(await api(srv.baseUrl).request('POST', '/files?name=a', { rawBody: 'abc' }), 401, 'unauthorized');
  });

  test('a body above the 1 MiB JSON limit is fine for an upload, not for JSON routes', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024 + 3, 7);
    const f = assertStatus(await uploadRaw(alice, big, { query: '?name=big.bin' }), 201);
    assert.equal(f.size, big.length);
    const got = await download(alice, f.id);
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(big));
    const res = await alice.client.request('POST', '/rooms', { rawBody: big, contentType: 'application/json' });
    assertError(res, 413, 'payload_too_large');
  });

  test('identical uploads are stored once; client names are never paths', async () => {
    const bytes = unique('twice');
    const first = assertStatus(await uploadRaw(alice, bytes, { query: '?name=one.txt', type: 'text/plain' }), 201);
    const second = assertStatus(await uploadMultipart(bob, bytes, '../../etc/passwd', 'text/plain'), 201);
    assert.notEqual(second.id, first.id, 'each upload is its own file');
    assert.equal(second.sha256, first.sha256);
    assert.equal(second.name, '../../etc/passwd', 'kept as a display name');
    const stored = (await filesUnder(srv.dataDir)).filter((p) => p.endsWith(first.sha256));
    assert.equal(stored.length, 1, `one copy of the bytes: ${stored}`);
    assert.ok(stored[0].startsWith(join(srv.dataDir, 'files')), stored[0]);
    // Nothing is named after a client's file name, and nothing is left in tmp.
    const all = await filesUnder(join(srv.dataDir, 'files'));
    for (const p of all) assert.match(p.slice(p.lastIndexOf('/') + 1), /^[0-9a-f]{64}$/, p);
    const cd = (await download(bob, second.id)).headers.get('content-disposition');
    assert.match(cd, /^inline; filename="\.\._\.\._etc_passwd"; filename\*=UTF-8''\.\._\.\._etc_passwd$/);
  });
});

describe('GET /files/{id}/content', () => {
  let file;
  let bytes;
  before(async () => {
    bytes = Buffer.from('0123456789abcdefghij');
    file = assertStatus(await uploadMultipart(alice, bytes, 'digits 숫자.txt', 'text/plain'), 201);
  });

  test('200 with the bytes and the headers of a download', async () => {
    const res = await download(alice, file.id);
    assert.equal(res.status, 200);
    assert.ok(res.bytes.equals(bytes));
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(res.headers.get('content-length'), String(bytes.length));
    assert.equal(res.headers.get('etag'), `"${file.sha256}"`);
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('content-disposition'),
      `inline; filename="digits ______.txt"; filename*=UTF-8''digits%20%EC%88%AB%EC%9E%90.txt`);
  });

  test('If-None-Match with the ETag: 304 without a body', async () => {
    const res = await download(alice, file.id, { 'if-none-match': `"other", "${file.sha256}"` });
    assert.equal(res.status, 304);
    assert.equal(res.bytes.length, 0);
    assert.equal(res.headers.get('etag'), `"${file.sha256}"`);
    assert.equal((await download(alice, file.id, { 'if-none-match': '"other"' })).status, 200);
  });

  test('a single Range: 206 with Content-Range; past the end: 416', async () => {
    let res = await download(alice, file.id, { range: 'bytes=2-5' });
    assert.equal(res.status, 206);
    assert.equal(res.bytes.toString(), '2345');
    assert.equal(res.headers.get('content-range'), `bytes 2-5/${bytes.length}`);
    assert.equal(res.headers.get('content-length'), '4');
    res = await download(alice, file.id, { range: 'bytes=-3' });
    assert.equal(res.status, 206);
    assert.equal(res.bytes.toString(), 'hij');
    res = await download(alice, file.id, { range: 'bytes=15-' });
    assert.equal(res.bytes.toString(), 'fghij');
    assert.equal(res.headers.get('content-range'), `bytes 15-19/${bytes.length}`);
    res = await download(alice, file.id, { range: 'bytes=18-1000' });
    assert.equal(res.bytes.toString(), 'ij');
    res = await download(alice, file.id, { range: `bytes=${bytes.length}-` });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), `bytes */${bytes.length}`);
    // Several ranges, or a stale If-Range: the whole file.
    res = await download(alice, file.id, { range: 'bytes=0-1,4-5' });
    assert.equal(res.status, 200);
    assert.ok(res.bytes.equals(bytes));
    res = await download(alice, file.id, { range: 'bytes=0-1', 'if-range': '"stale"' });
    assert.equal(res.status, 200);
    res = await download(alice, file.id, { range: 'bytes=0-1', 'if-range': `"${file.sha256}"` });
    assert.equal(res.status, 206);
  });

  test('active content is never served as itself', async () => {
    const html = assertStatus(await uploadMultipart(alice, Buffer.from('<script>alert(1)</script>'), 'x.html', 'text/html'), 201);
    assert.equal(html.contentType, 'text/html');
    const res = await download(alice, html.id);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.match(res.headers.get('content-disposition'), /^attachment; /);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /sandbox/);
    const svg = assertStatus(await uploadRaw(alice, Buffer.from('<svg/>'), { query: '?name=a.svg', type: 'image/svg+xml' }), 201);
    assert.equal((await download(alice, svg.id)).headers.get('content-type'), 'application/octet-stream');
  });
});

describe('attachments and who may read a file', () => {
  test('readable by the uploader, then by the participants of the room it is sent to', async () => {
    const room = await roomOf(alice, [bob]);
    const bytes = unique('photo');
    const f = assertStatus(await uploadMultipart(alice, bytes, 'photo.png', 'image/png'), 201);
    assertError(await bob.client.get(`/files/${f.id}`), 404, 'not_found');
    assert.equal((await download(bob, f.id)).status, 404);

    // Only files: the text may be left out.
    const m = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { fileIds: [f.id] }), 201);
    assert.equal(m.text, '');
    assert.deepEqual(m.files, [f]);
    const got = assertStatus(await bob.client.get(`/rooms/${room.id}/messages/${m.id}`), 200);
    assert.deepEqual(got.files, [f]);
    const page = assertStatus(await bob.client.get(`/rooms/${room.id}/messages`), 200);
    assert.deepEqual(page.messages.at(-1).files, [f]);
    assert.deepEqual(assertStatus(await bob.client.get(`/files/${f.id}`), 200), f);
    const dl = await download(bob, f.id);
    assert.equal(dl.status, 200);
    assert.ok(dl.bytes.equals(bytes));

    // An outsider never sees it, whatever the route.
    assertError(await carol.client.get(`/files/${f.id}`), 404, 'not_found');
    assert.equal((await download(carol, f.id)).status, 404);
    assertValidation(await carol.client.post(`/rooms/${(await roomOf(carol, [])).id}/messages`,
      { text: 'stolen', fileIds: [f.id] }), ['fileIds']);

    // Leaving the room ends access; the sender's deletion hides it from the room.
    assertStatus(await bob.client.delete(`/rooms/${room.id}/participants/me`), 204);
    assert.equal((await download(bob, f.id)).status, 404);
    assertStatus(await alice.client.post(`/rooms/${room.id}/participants`, { userIds: [bob.id] }), 200);
    assert.equal((await download(bob, f.id)).status, 200);
    assertStatus(await alice.client.delete(`/rooms/${room.id}/messages/${m.id}`), 204);
    assert.equal((await download(bob, f.id)).status, 404);
    assert.equal((await download(alice, f.id)).status, 200);
  });

  test('thread replies carry files too', async () => {
    const room = await roomOf(alice, [bob]);
    const root = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'root' }), 201);
    const a = assertStatus(await uploadRaw(bob, unique('a'), { query: '?name=a.txt', type: 'text/plain' }), 201);
    const b = assertStatus(await uploadRaw(bob, unique('b'), { query: '?name=b.txt', type: 'text/plain' }), 201);
    const thread = `/rooms/${room.id}/messages/${root.id}/thread`;
    const r = assertStatus(await bob.client.post(thread, { fileIds: [b.id, a.id, b.id] }), 201);
    assert.equal(r.text, '');
    assert.deepEqual(r.files.map((x) => x.id), [b.id, a.id]);
    const page = assertStatus(await alice.client.get(thread), 200);
    assert.deepEqual(page.replies[0].files.map((x) => x.name), ['b.txt', 'a.txt']);
    assert.equal((await download(alice, a.id)).status, 200);
    assert.equal((await download(carol, a.id)).status, 404);
  });

  test('a message shows its files, thread summary and reactions together, as each viewer sees them', async () => {
    const room = await roomOf(alice, [bob]);
    const f = assertStatus(await uploadRaw(alice, unique('all'), { query: '?name=all.txt', type: 'text/plain' }), 201);
    const m = assertStatus(await alice.client.post(`/rooms/${room.id}/messages`, { text: 'see', fileIds: [f.id] }), 201);
    assert.deepEqual(m.reactions, []);
    assertStatus(await bob.client.put(`/rooms/${room.id}/messages/${m.id}/reactions/${encodeURIComponent('👍')}`), 200);
    const thread = `/rooms/${room.id}/messages/${m.id}/thread`;
    const r = assertStatus(await bob.client.post(thread, { text: 'reply' }), 201);
    const expectFor = (view, me) => {
      assert.deepEqual(view.files, [f]);
      assert.equal(view.threadId, r.threadId);
      assert.equal(view.replyCount, 1);
      assert.equal(view.lastReplyAt, r.createdAt);
      assert.deepEqual(view.reactions, [{ emoji: '👍', count: 1, me }]);
    };
    for (const [user, me] of [[alice, false], [bob, true]]) {
      expectFor(assertStatus(await user.client.get(`/rooms/${room.id}/messages/${m.id}`), 200), me);
      expectFor(assertStatus(await user.client.get(`/rooms/${room.id}/messages`), 200).messages.at(-1), me);
      expectFor(assertStatus(await user.client.get(thread), 200).rootMessage, me);
    }
  });

  test('unknown ids and bad fileIds', async () => {
    const room = await roomOf(alice, [bob]);
    assertError(await alice.client.get(`/files/${randomUUID()}`), 404, 'not_found');
    assertError(await alice.client.get('/files/not-a-uuid'), 404, 'not_found');
    assert.equal((await download(alice, randomUUID())).status, 404);
    assertError(await api(srv.baseUrl).get(`/files/${randomUUID()}`), 401, 'unauthorized');
    const path = `/rooms/${room.id}/messages`;
    assertValidation(await alice.client.post(path, { fileIds: [randomUUID()] }), ['fileIds']);
    assertValidation(await alice.client.post(path, { text: 'x', fileIds: ['nope'] }), ['fileIds']);
    assertValidation(await alice.client.post(path, { fileIds: [] }), ['text']);
    const ids = Array.from({ length: 11 }, () => randomUUID());
    assertValidation(await alice.client.post(path, { text: 'x', fileIds: ids }), ['fileIds']);
  });
});

describe('upload size limit (--max-upload)', () => {
  let small;
  before(async () => {
    small = await startServer({ args: ['--max-upload', '65536'] });
  });
  after(() => small?.stop());

  test('413 above the limit by body or by file; the server stays healthy', async () => {
    const [user] = await signUpMany(small.baseUrl, 1);
    const ok = assertStatus(await uploadRaw(user, Buffer.alloc(65536, 1), { query: '?name=fits', baseUrl: small.baseUrl }), 201);
    assert.equal(ok.size, 65536);
    assertError(await uploadRaw(user, Buffer.alloc(65537, 1), { query: '?name=over', baseUrl: small.baseUrl }),
      413, 'payload_too_large');
    assertError(await uploadMultipart(user, Buffer.alloc(70_000, 2), 'over', 'image/png', {}, small.baseUrl),
      413, 'payload_too_large');
    // Far beyond: refused from the Content-Length, before the body is read.
    assertError(await uploadRaw(user, Buffer.alloc(1024 * 1024, 3), { query: '?name=far', baseUrl: small.baseUrl }),
      413, 'payload_too_large');
    assertStatus(await api(small.baseUrl).get('/actuator/health'), 200);
    assertStatus(await uploadRaw(user, Buffer.from('after'), { query: '?name=after', baseUrl: small.baseUrl }), 201);
  });
});
