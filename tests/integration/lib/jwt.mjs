// Forges JWTs with node:crypto for the token-refusal tests: correctly signed
// tokens with chosen claims (expired, wrong subject), other keys, other
// algorithms, "alg": "none", and tampered payloads.

import { createHmac, randomUUID } from 'node:crypto';

const b64url = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * forgeJwt({ secret, sub, alg = 'HS256', header, claims, iat, exp })
 * - alg HS256 / HS384 / HS512: signed with `secret`
 * - alg 'none': no signature (empty third segment)
 * Default claims are what the server issues: sub, iat, exp (+15 min), jti.
 */
export function forgeJwt({ secret, sub, alg = 'HS256', header = {}, claims = {}, iat, exp } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const h = { alg, typ: 'JWT', ...header };
  const payload = {
    sub,
    iat: iat ?? now,
    exp: exp ?? now + 15 * 60,
    jti: randomUUID(),
    ...claims,
  };
  const signingInput = `${b64url(h)}.${b64url(payload)}`;
  if (alg === 'none') return `${signingInput}.`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  if (!hash) throw new Error(`forgeJwt: unsupported alg ${alg}`);
  const sig = createHmac(hash, secret).update(signingInput).digest('base64url');
  return `${signingInput}.${sig}`;
}

/** The decoded payload of a compact JWT (no verification). */
export function decodeJwt(token) {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString());
}

/**
 * The same token with its payload replaced by `changes` merged in, keeping
 * the original header and signature: a tampered token.
 */
export function tamperJwt(token, changes) {
  const [header, payload, sig] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...changes };
  return `${header}.${b64url(claims)}.${sig}`;
}
