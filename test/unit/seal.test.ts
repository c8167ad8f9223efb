import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { generateKeyringText, parseKeyring } from '../../server/keys/keyring.js';
import { seal, unseal, UnsealError } from '../../server/keys/seal.js';

const secret = 'mistral-key-0123456789abcdefWXYZ';

describe('seal / unseal', () => {
  const keyring = parseKeyring(generateKeyringText('m1'));
  const workspace = randomUUID();

  test('round-trips, records the active key id and the last four characters, and hides the secret', () => {
    const sealed = seal(keyring, workspace, secret);
    assert.equal(sealed.keyId, 'm1');
    assert.equal(sealed.last4, 'WXYZ');
    assert.equal(sealed.nonce.length, 12);
    assert.equal(sealed.ciphertext.length, Buffer.byteLength(secret) + 16);
    assert.ok(!Buffer.from(sealed.ciphertext).toString('latin1').includes('mistral'));
    assert.equal(unseal(keyring, workspace, sealed), secret);
  });

  test('sealing twice uses fresh nonces', () => {
    const a = seal(keyring, workspace, secret);
    const b = seal(keyring, workspace, secret);
    assert.notDeepEqual(Buffer.from(a.nonce), Buffer.from(b.nonce));
    assert.notDeepEqual(Buffer.from(a.ciphertext), Buffer.from(b.ciphertext));
  });

  test('a flipped bit in the ciphertext, the tag or the nonce is refused', () => {
    const sealed = seal(keyring, workspace, secret);
    for (const [field, index] of [['ciphertext', 0], ['ciphertext', sealed.ciphertext.length - 1], ['nonce', 5]] as const) {
      const copy = Buffer.from(sealed[field]);
      copy[index]! ^= 1;
      assert.throws(() => unseal(keyring, workspace, { ...sealed, [field]: copy }), UnsealError, `${field}[${index}]`);
    }
    assert.throws(() => unseal(keyring, workspace, { ...sealed, ciphertext: sealed.ciphertext.subarray(0, 10) }), UnsealError);
  });

  test('a secret sealed for one workspace does not open for another', () => {
    const sealed = seal(keyring, workspace, secret);
    assert.throws(() => unseal(keyring, randomUUID(), sealed), UnsealError);
  });

  test('after rotation, new seals use the new key and old key ids still open', () => {
    const old = seal(keyring, workspace, secret);
    const rotated = parseKeyring(`${generateKeyringText('m2')},m1:${keyring.keys.get('m1')!.toString('base64')}`);
    assert.equal(unseal(rotated, workspace, old), secret);
    const fresh = seal(rotated, workspace, secret);
    assert.equal(fresh.keyId, 'm2');
    assert.equal(unseal(rotated, workspace, fresh), secret);
  });

  test('an unknown key id, or the same id with other key material, is refused without naming the key', () => {
    const sealed = seal(keyring, workspace, secret);
    const other = parseKeyring(generateKeyringText('m1'));
    assert.throws(() => unseal(other, workspace, sealed), (err: Error) => err instanceof UnsealError && !err.message.includes(secret));
    assert.throws(() => unseal(parseKeyring(generateKeyringText('zz')), workspace, sealed), /no key "m1"/);
  });
});
