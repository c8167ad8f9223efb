import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Keyring } from '../keys/keyring.js';

/** Who a valid token speaks for. */
export interface WidgetTokenClaims {
  workspaceId: string;
  visitorId: string;
}

export const TOKEN_TTL_SECONDS = 15 * 60;
/** Tolerated clock difference between instances for a token's issue time. */
const CLOCK_SKEW_SECONDS = 60;
const VERSION = 'v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const sign = (key: Buffer, signed: string) => createHmac('sha256', key).update(signed).digest();

/** `v1.<payload>.<signature>` as docs/widget-api.md defines it, under the active key. */
export function issueWidgetToken(keyring: Keyring, claims: WidgetTokenClaims, now = Date.now()): { token: string; expiresAt: Date } {
  const iat = Math.floor(now / 1000);
  const exp = iat + TOKEN_TTL_SECONDS;
  const payload = Buffer.from(
    JSON.stringify({ kid: keyring.active.id, ws: claims.workspaceId, vis: claims.visitorId, iat, exp }),
  ).toString('base64url');
  const signed = `${VERSION}.${payload}`;
  return { token: `${signed}.${sign(keyring.active.key, signed).toString('base64url')}`, expiresAt: new Date(exp * 1000) };
}

/**
 * The claims of a token signed under a key of the keyring and not expired, else undefined.
 * Every failure looks the same to the caller, so nothing tells a forger how far they got.
 */
export function verifyWidgetToken(keyring: Keyring, token: string, now = Date.now()): WidgetTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
  const [, payload, signature] = parts as [string, string, string];
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return undefined;
  let claims: { kid?: unknown; ws?: unknown; vis?: unknown; iat?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return undefined;
  }
  if (claims === null || typeof claims !== 'object' || typeof claims.kid !== 'string') return undefined;
  const key = keyring.keys.get(claims.kid);
  if (!key) return undefined;
  const expected = sign(key, `${VERSION}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;

  const { ws, vis, iat, exp } = claims;
  const seconds = Math.floor(now / 1000);
  if (typeof ws !== 'string' || !UUID.test(ws) || typeof vis !== 'string' || !UUID.test(vis)) return undefined;
  if (!Number.isInteger(iat) || !Number.isInteger(exp)) return undefined;
  if ((exp as number) <= seconds || (iat as number) > seconds + CLOCK_SKEW_SECONDS) return undefined;
  if ((exp as number) - (iat as number) > TOKEN_TTL_SECONDS) return undefined;
  return { workspaceId: ws, visitorId: vis };
}
