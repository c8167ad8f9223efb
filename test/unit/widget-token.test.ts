import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { generateKeyringText, parseKeyring } from '../../server/keys/keyring.js';
import { issueWidgetToken, TOKEN_TTL_SECONDS, verifyWidgetToken } from '../../server/widget-session/widget-token.js';

const keyring = parseKeyring(generateKeyringText('t1'));
const claims = { workspaceId: randomUUID(), visitorId: randomUUID() };
const now = Date.UTC(2026, 10, 23, 12, 0, 0);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token built by hand, as a forger (or the widget API docs) would. */
function handmade(payload: Record<string, unknown>, key = keyring.active.key): string {
  const signed = `v1.${b64(payload)}`;
  return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
}

describe('widget tokens', () => {
  test('have the documented shape: v1.<base64url JSON {kid,ws,vis,iat,exp}>.<HMAC-SHA256>, valid 15 minutes', () => {
    const { token, expiresAt } = issueWidgetToken(keyring, claims, now);
    const [version, payload, signature] = token.split('.');
    assert.equal(version, 'v1');
    const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(decoded, { kid: 't1', ws: claims.workspaceId, vis: claims.visitorId, iat: now / 1000, exp: now / 1000 + 900 });
    assert.equal(signature, createHmac('sha256', keyring.active.key).update(`v1.${payload}`).digest('base64url'));
    assert.equal(expiresAt.toISOString(), '2026-11-23T12:15:00.000Z');
    assert.deepEqual(verifyWidgetToken(keyring, token, now), claims);
  });

  test('are valid until their expiry and not a second after', () => {
    const { token } = issueWidgetToken(keyring, claims, now);
    assert.deepEqual(verifyWidgetToken(keyring, token, now + TOKEN_TTL_SECONDS * 1000 - 1), claims);
    assert.equal(verifyWidgetToken(keyring, token, now + TOKEN_TTL_SECONDS * 1000), undefined);
  });

  test('a changed payload, a changed signature or a foreign key is refused', () => {
    const { token } = issueWidgetToken(keyring, claims, now);
    const [, payload, signature] = token.split('.') as [string, string, string];
    const otherVisitor = b64({ kid: 't1', ws: claims.workspaceId, vis: randomUUID(), iat: now / 1000, exp: now / 1000 + 900 });
    assert.equal(verifyWidgetToken(keyring, `v1.${otherVisitor}.${signature}`, now), undefined);
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0]! ^= 1;
    assert.equal(verifyWidgetToken(keyring, `v1.${payload}.${flipped.toString('base64url')}`, now), undefined);
    assert.equal(verifyWidgetToken(keyring, `v1.${payload}.${signature.slice(0, 20)}`, now), undefined);
    const stranger = parseKeyring(generateKeyringText('t1'));
    assert.equal(verifyWidgetToken(stranger, token, now), undefined);
  });

  test('an unknown key id is refused; a retired key that is still listed verifies', () => {
    const { token } = issueWidgetToken(keyring, claims, now);
    assert.equal(verifyWidgetToken(parseKeyring(generateKeyringText('t2')), token, now), undefined);
    const rotated = parseKeyring(`${generateKeyringText('t2')},t1:${keyring.active.key.toString('base64')}`);
    assert.deepEqual(verifyWidgetToken(rotated, token, now), claims);
    assert.equal(issueWidgetToken(rotated, claims, now).token.length > 0, true);
    assert.equal(JSON.parse(Buffer.from(issueWidgetToken(rotated, claims, now).token.split('.')[1]!, 'base64url').toString()).kid, 't2');
  });

  test('validly signed but malformed claims are refused', () => {
    const iat = now / 1000;
    const good = { kid: 't1', ws: claims.workspaceId, vis: claims.visitorId, iat, exp: iat + 900 };
    assert.deepEqual(verifyWidgetToken(keyring, handmade(good), now), claims);
    for (const bad of [
      { ...good, ws: 'not-a-uuid' },
      { ...good, vis: undefined },
      { ...good, exp: String(iat + 900) },
      { ...good, exp: iat + 86_400 }, // longer-lived than any token Parley issues
      { ...good, iat: iat + 3_600, exp: iat + 3_600 + 900 }, // issued in the future
    ]) {
      assert.equal(verifyWidgetToken(keyring, handmade(bad), now), undefined, JSON.stringify(bad));
    }
  });

  test('garbage is refused without throwing', () => {
    for (const token of ['', 'v1', 'v1..', 'v2.a.b', 'v1.a.b.c', 'v1.!!!.abc', `v1.${b64('string')}.abc`, `v1.${b64(null)}.abc`, 'v1.bm90IGpzb24.abc']) {
      assert.equal(verifyWidgetToken(keyring, token, now), undefined, token);
    }
  });
});
