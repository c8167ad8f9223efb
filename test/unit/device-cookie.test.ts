import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEVICE_TTL_MS, deviceCookie, issueDeviceToken, readDeviceCookie, verifyDeviceToken } from '../../server/auth/device-cookie.js';
import { csrfToken } from '../../server/auth/session-token.js';
import { generateKeyringText, parseKeyring } from '../../server/keys/keyring.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

test('a device token verifies for its own account only, unaltered and unexpired', () => {
  const keys = parseKeyring(generateKeyringText('t1'));
  const token = issueDeviceToken(keys, A);
  const device = verifyDeviceToken(keys, A, token);
  assert.match(device ?? '', /^[A-Za-z0-9_-]{22}$/);
  assert.equal(verifyDeviceToken(keys, B, token), undefined, "account A's device does nothing for B");
  assert.equal(issueDeviceToken(keys, A, device).split('.')[1], device, 'the same device id can be issued again');
  const [id, dev, exp, mac] = token.split('.') as [string, string, string, string];
  for (const forged of [`${id}.${dev}.${Number(exp) + 1}.${mac}`, `${id}.${'A'.repeat(22)}.${exp}.${mac}`, `${id}.${dev}.${exp}.${mac.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`, '', 'x']) {
    assert.equal(verifyDeviceToken(keys, A, forged), undefined, forged);
  }
  assert.equal(verifyDeviceToken(keys, A, token, Date.now() + DEVICE_TTL_MS + 1_000), undefined, 'expired after a year');
  assert.equal(verifyDeviceToken(parseKeyring(generateKeyringText('t1')), A, token), undefined, 'another key with the same id');
  const rotated = parseKeyring(`${generateKeyringText('t2')},${[...keys.keys].map(([k, v]) => `${k}:${v.toString('base64')}`)[0]}`);
  assert.equal(verifyDeviceToken(rotated, A, token), device, 'still valid while its key is in TOKEN_KEYS');
  assert.notEqual(csrfToken(keys, 'x').split('.')[1], mac, 'a MAC of its own');
});

test('the cookie: __Host-, HttpOnly, Secure, SameSite=Strict, a year; read back from a Cookie header', () => {
  const keys = parseKeyring(generateKeyringText('t1'));
  const token = issueDeviceToken(keys, A);
  assert.equal(deviceCookie(token), `__Host-parley_device=${token}; Max-Age=31536000; Path=/; HttpOnly; Secure; SameSite=Strict`);
  assert.equal(readDeviceCookie(`a=b; __Host-parley_device=${token}; __Host-parley_session=x`), token);
  assert.equal(readDeviceCookie('__Host-parley_device=not-a-token'), undefined);
  assert.equal(readDeviceCookie(undefined), undefined);
});
