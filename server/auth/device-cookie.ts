import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readCookie } from '../http/cookies.js';
import type { Keyring } from '../keys/keyring.js';

/**
 * A browser that has signed in to an account before. Sent with sign-in attempts, it lets
 * the right password through that account's lock (sign-in-throttle.ts), so an attacker
 * who keeps guessing cannot keep the owner out. It proves nothing on its own: the password
 * (and the second factor) are still checked, and the per-address limits still apply.
 */
export const DEVICE_COOKIE = '__Host-parley_device';
export const DEVICE_TTL_MS = 365 * 24 * 60 * 60_000;

const TOKEN = /^([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * `<key id>.<device id>.<expiry, unix seconds>.<HMAC>` under a key derived from the active
 * TOKEN_KEYS key. The MAC binds the account id, so the cookie of one account does nothing
 * for another; nothing is stored, and rotating TOKEN_KEYS out retires every device.
 */
export function issueDeviceToken(keys: Keyring, accountId: string, deviceId: string = newDeviceId(), now = Date.now()): string {
  const expires = Math.floor((now + DEVICE_TTL_MS) / 1000);
  return `${keys.active.id}.${deviceId}.${expires}.${mac(keys.active.key, accountId, deviceId, expires)}`;
}

/** The device id when the token is genuine, unexpired and issued to this account; else undefined. */
export function verifyDeviceToken(keys: Keyring, accountId: string, token: string | undefined, now = Date.now()): string | undefined {
  const m = token ? TOKEN.exec(token) : null;
  const key = m && keys.keys.get(m[1]!);
  if (!m || !key) return undefined;
  const [deviceId, expires] = [m[2]!, Number(m[3])];
  if (expires * 1000 <= now) return undefined;
  const expected = Buffer.from(mac(key, accountId, deviceId, expires));
  const given = Buffer.from(m[4]!);
  return given.length === expected.length && timingSafeEqual(given, expected) ? deviceId : undefined;
}

/** The Set-Cookie value: host-only, HTTPS-only, never read by scripts, never sent from other sites. */
export function deviceCookie(token: string): string {
  return `${DEVICE_COOKIE}=${token}; Max-Age=${Math.floor(DEVICE_TTL_MS / 1000)}; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

/** The device token in a Cookie header, unverified; a malformed value counts as none. */
export function readDeviceCookie(header: string | undefined): string | undefined {
  return readCookie(header, DEVICE_COOKIE, TOKEN);
}

/** 128 random bits: 22 base64url characters. */
const newDeviceId = () => randomBytes(16).toString('base64url');

function mac(tokenKey: Buffer, accountId: string, deviceId: string, expires: number): string {
  // A key of its own, so no other MAC made under TOKEN_KEYS (CSRF tokens, widget tokens) can pass for a device token.
  const key = createHmac('sha256', tokenKey).update('parley-device-cookie-key').digest();
  return createHmac('sha256', key).update(`${accountId}:${deviceId}:${expires}`).digest('base64url');
}
