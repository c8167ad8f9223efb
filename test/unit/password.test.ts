import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMON_PASSWORDS } from '../../server/auth/common-passwords.js';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from '../../server/auth/password.js';

test('the common-password list is the real top 1,000', () => {
  assert.ok(COMMON_PASSWORDS.size >= 990);
  for (const p of ['123456', 'password', 'qwerty', 'letmein', 'trustno1', 'qwertyuiop', '1q2w3e4r5t']) assert.ok(COMMON_PASSWORDS.has(p), p);
});

test('passwords: at least 10 characters, not common, not decorated common, not the email', () => {
  assert.match(passwordProblem('abc')!, /at least 10/);
  assert.match(passwordProblem('ñandú🙂🙂🙂')!, /at least 10/, 'counts characters, not UTF-16 units');
  for (const p of ['qwertyuiop', 'QWERTYUIOP', 'password123', 'Password2024!', '!!monkey!!1234', 'iloveyou12', 'zzzzzzzzzzzz']) {
    assert.ok(passwordProblem(p), p);
  }
  assert.match(passwordProblem('adalovelace', 'adalovelace@example.test')!, /email/);
  assert.match(passwordProblem('Adalovelace@Example.test', 'adalovelace@example.test')!, /email/);
  for (const p of ['correct horse battery staple', 'monkey business in march', 'x7#Lq9!vR2pZ']) assert.equal(passwordProblem(p), undefined, p);
  assert.match(passwordProblem('x'.repeat(300))!, /at most 256/);
});

test('argon2id hashes verify the right password only, and a broken hash never throws', async () => {
  const hash = await hashPassword('correct horse battery staple');
  assert.match(hash, /^\$argon2id\$/);
  assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
  assert.equal(await verifyPassword(hash, 'wrong horse battery staple'), false);
  assert.equal(await verifyPassword('not a hash', 'x'), false);
  assert.equal(await verifyPassword(await dummyHash(), ''), false);
});
