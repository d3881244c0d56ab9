// A small JSON client for the REST API on global fetch, and helpers that
// create users. Every call resolves with { status, headers, body, text }:
// `body` is the parsed JSON (null for an empty or non-JSON answer), so tests
// assert on status and shape without try/catch.

import { randomUUID } from 'node:crypto';

const DEFAULT_PASSWORD = 'correct-horse-42';

/**
 * api(baseUrl, { token }) -> client
 *   client.get(path, opts) / post / put / patch / delete(path, body, opts)
 *   client.request(method, path, { body, token, headers, rawBody, contentType })
 *   client.as(token) -> the same client with another bearer token (null: none)
 * `body` is serialised as JSON with Content-Type application/json; `rawBody`
 * is sent verbatim (for malformed JSON), with `contentType` if given.
 */
export function api(baseUrl, { token = null } = {}) {
  async function request(method, path, { body, rawBody, contentType, headers = {}, token: t } = {}) {
    const bearer = t === undefined ? token : t;
    const h = { ...headers };
    if (bearer) h.authorization = `Bearer ${bearer}`;
    let payload;
    if (rawBody !== undefined) {
      payload = rawBody;
      if (contentType !== undefined) h['content-type'] = contentType;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = contentType ?? 'application/json';
    }
    const res = await fetch(new URL(path, baseUrl), { method, headers: h, body: payload });
    const text = await res.text();
    let json = null;
    if (text.length > 0 && (res.headers.get('content-type') ?? '').includes('json')) {
      json = JSON.parse(text);
    }
    return { status: res.status, headers: res.headers, body: json, text };
  }
  return {
    baseUrl,
    token,
    request,
    get: (path, opts) => request('GET', path, opts),
    delete: (path, opts) => request('DELETE', path, opts),
    post: (path, body, opts) => request('POST', path, { ...opts, body }),
    put: (path, body, opts) => request('PUT', path, { ...opts, body }),
    patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
    as: (other) => api(baseUrl, { token: other }),
  };
}

/** A fresh, unique e-mail address. */
export function uniqueEmail(prefix = 'user') {
  return `${prefix}-${randomUUID()}@example.test`;
}

/** POST /token; returns the token response body, throws on anything but 200. */
export async function login(baseUrl, email, password = DEFAULT_PASSWORD) {
  const res = await api(baseUrl).post('/token', { email, password });
  if (res.status !== 200) {
    throw new Error(`login ${email} failed: ${res.status} ${res.text}`);
  }
  return res.body;
}

/**
 * Signs a new user up (unique e-mail unless given) and logs them in.
 * Returns { id, email, nickname, password, user, accessToken, refreshToken, client }
 * where `client` is an api() client carrying the access token.
 */
export async function signUp(baseUrl, { email = uniqueEmail(), nickname, password = DEFAULT_PASSWORD } = {}) {
  nickname ??= `nick-${email.slice(5, 13)}`;
  const res = await api(baseUrl).post('/users', { email, nickname, password });
  if (res.status !== 201) {
    throw new Error(`sign-up ${email} failed: ${res.status} ${res.text}`);
  }
  const tokens = await login(baseUrl, email, password);
  return {
    id: res.body.id,
    email: res.body.email,
    nickname,
    password,
    user: res.body,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    client: api(baseUrl, { token: tokens.accessToken }),
  };
}

/** Sign up `n` users concurrently. */
export function signUpMany(baseUrl, n, opts) {
  return Promise.all(Array.from({ length: n }, () => signUp(baseUrl, opts)));
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_MS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
