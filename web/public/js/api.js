// The REST client (docs/api.md). Keeps the session (access + refresh token)
// in sessionStorage: one refresh-token family per tab, so two tabs never
// rotate the same refresh token (the server would take that for theft and
// revoke both). The access token is renewed silently before it expires.

const STORAGE_KEY = 'simple-chat.session';
// Renew when this much of the access token's life is left (at most 2 min).
const RENEW_FRACTION = 0.25;
const RENEW_MAX_MS = 120_000;

export class ApiError extends Error {
  constructor(status, body) {
    const err = body?.error ?? {};
    super(err.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = err.code ?? 'http_error';
    this.fields = err.fields ?? {};
  }
}

export class Api {
  constructor() {
    this.session = null; // { accessToken, refreshToken, expiresAt }
    this.refreshing = null; // the one refresh in flight
    this.renewTimer = null;
    this.onSessionEnd = () => {};
    this.onTokenChange = () => {};
    try {
      this.session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    } catch {
      this.session = null;
    }
    if (this.session) this.scheduleRenewal();
  }

  get loggedIn() { return this.session !== null; }
  get accessToken() { return this.session?.accessToken ?? null; }

  async signUp(email, nickname, password) {
    await this.call('POST', '/users', { email, nickname, password }, { auth: false });
    await this.logIn(email, password);
  }

  async logIn(email, password) {
    const tokens = await this.call('POST', '/token', { email, password }, { auth: false });
    this.store(tokens);
  }

  async logOut() {
    const refreshToken = this.session?.refreshToken;
    this.clear();
    if (refreshToken) {
      await this.call('DELETE', '/token', { refreshToken }, { auth: false }).catch(() => {});
    }
  }

  get(path) { return this.call('GET', path); }
  post(path, body) { return this.call('POST', path, body); }
  put(path, body) { return this.call('PUT', path, body); }
  patch(path, body) { return this.call('PATCH', path, body); }
  delete(path) { return this.call('DELETE', path); }

  /** One request; renews the token first when it is (nearly) expired, and once more on a 401. */
  async call(method, path, body, { auth = true } = {}) {
    if (auth) {
      if (!this.session) throw new ApiError(401, { error: { code: 'unauthorized', message: 'not logged in' } });
      if (Date.now() >= this.session.expiresAt - 5_000) await this.refresh();
    }
    let res = await this.send(method, path, body, auth);
    if (auth && res.status === 401 && this.session) {
      await this.refresh();
      res = await this.send(method, path, body, auth);
    }
    const text = await res.text();
    const data = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : null;
    if (!res.ok) {
      if (auth && res.status === 401) this.endSession();
      throw new ApiError(res.status, data);
    }
    return data;
  }

  send(method, path, body, auth) {
    const headers = {};
    if (auth) headers.authorization = `Bearer ${this.session.accessToken}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  /** Rotates the refresh token; concurrent callers share one rotation. */
  refresh() {
    if (!this.refreshing) {
      const refreshToken = this.session?.refreshToken;
      this.refreshing = (async () => {
        try {
          const res = await fetch('/token/refresh', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refreshToken }),
          });
          if (!res.ok) {
            this.endSession();
            throw new ApiError(res.status, await res.json().catch(() => null));
          }
          this.store(await res.json());
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  store(tokens) {
    this.session = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Date.now() + tokens.expiresIn * 1000,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.session));
    this.scheduleRenewal();
    this.onTokenChange(this.session.accessToken);
  }

  scheduleRenewal() {
    clearTimeout(this.renewTimer);
    const left = this.session.expiresAt - Date.now();
    const margin = Math.min(RENEW_MAX_MS, left * RENEW_FRACTION);
    this.renewTimer = setTimeout(() => {
      this.refresh().catch(() => {}); // a failure ends the session (endSession)
    }, Math.max(0, left - margin));
  }

  endSession() {
    if (!this.session) return;
    this.clear();
    this.onSessionEnd();
  }

  clear() {
    clearTimeout(this.renewTimer);
    this.session = null;
    sessionStorage.removeItem(STORAGE_KEY);
  }
}
