import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'otplib';
import { newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, otpauthUrl, recoveryCodeHash, totpStep } from '../../server/auth/mfa.codes.js';

const EPOCH = 1_900_000_015; // 25 s into step 63_333_333
const STEP = Math.floor(EPOCH / 30);

test('a TOTP code is accepted one step either side of now, not further', async () => {
  const secret = newTotpSecret();
  assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits of base32');
  for (const [offset, accepted] of [[-2, false], [-1, true], [0, true], [1, true], [2, false]] as const) {
    const code = await generate({ secret, epoch: EPOCH + offset * 30 });
    assert.equal(await totpStep(secret, code, null, EPOCH), accepted ? STEP + offset : undefined, `offset ${offset}`);
  }
});

test('a used time step, and any before it, is refused', async () => {
  const secret = newTotpSecret();
  const now = await generate({ secret, epoch: EPOCH });
  const next = await generate({ secret, epoch: EPOCH + 30 });
  assert.equal(await totpStep(secret, now, STEP, EPOCH), undefined);
  assert.equal(await totpStep(secret, now, STEP - 1, EPOCH), STEP);
  assert.equal(await totpStep(secret, next, STEP, EPOCH), STEP + 1);
});

test('only six digits can be a TOTP code', async () => {
  const secret = newTotpSecret();
  const code = await generate({ secret, epoch: EPOCH });
  for (const bad of [` ${code}`, `${code}0`, code.slice(1), 'abcdef', '']) assert.equal(await totpStep(secret, bad, null, EPOCH), undefined, JSON.stringify(bad));
});

test('recovery codes: ten distinct, grouped, and typed loosely', () => {
  const codes = newRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) assert.match(c, /^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$/);
  const [code] = codes as [string];
  const hash = recoveryCodeHash(code)!;
  assert.equal(hash.length, 32);
  assert.deepEqual(recoveryCodeHash(` ${code.toUpperCase().replaceAll('-', ' ')} `), hash);
  assert.notDeepEqual(recoveryCodeHash(codes[1]!), hash);
  for (const bad of ['', 'abcd-efgh', `${code}-x`, 'abcd-efgh-jkmn-pqr!']) assert.equal(normalizeRecoveryCode(bad), undefined, bad);
});

test('the otpauth URL names Parley and the account', () => {
  const url = new URL(otpauthUrl('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'ada@example.test'));
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.searchParams.get('secret'), 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  assert.equal(url.searchParams.get('issuer'), 'Parley');
  assert.match(decodeURIComponent(url.pathname), /Parley:ada@example\.test$/);
});
