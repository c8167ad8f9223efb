import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readCookie } from '../http/cookies.js';
import type { Keyring } from '../keys/keyring.js';

export const SESSION_COOKIE = '__Host-parley_session';
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** A session's expiry slides forward on use, written at most this often. */
export const SESSION_TOUCH_MS = 60 * 1000;

/** 256 random bits, base64url: the cookie value and reset tokens. Only their SHA-256 is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The Set-Cookie value for a session; maxAgeMs 0 deletes it. */
export function sessionCookie(token: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${token}; Max-Age=${Math.floor(maxAgeMs / 1000)}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

/** The session token in a Cookie header, if any; a malformed value counts as none. */
export function readSessionCookie(header: string | undefined): string | undefined {
  return readCookie(header, SESSION_COOKIE, /^[A-Za-z0-9_-]{43}$/);
}

/**
 * The CSRF token of a session: HMAC-SHA256 of the session token under the active
 * TOKEN_KEYS key, prefixed with that key's id so it still verifies after a rotation.
 * Only someone who can read the cookie can compute it, and the page only learns it
 * from GET /api/admin/auth/session, which another site cannot read.
 */
export function csrfToken(keys: Keyring, sessionToken: string): string {
  return `${keys.active.id}.${csrfMac(keys.active.key, sessionToken)}`;
}

export function verifyCsrfToken(keys: Keyring, sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const dot = presented.indexOf('.');
  const key = dot > 0 ? keys.keys.get(presented.slice(0, dot)) : undefined;
  if (!key) return false;
  const expected = Buffer.from(csrfMac(key, sessionToken));
  const given = Buffer.from(presented.slice(dot + 1));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function csrfMac(key: Buffer, sessionToken: string): string {
  return createHmac('sha256', key).update(`parley-csrf:${sessionToken}`).digest('base64url');
}
