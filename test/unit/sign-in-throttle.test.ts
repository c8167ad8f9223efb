import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSignInThrottle, DEFAULT_SIGN_IN_BACKOFF, delay } from '../../server/auth/sign-in-throttle.js';

function throttle(options: Parameters<typeof createSignInThrottle>[0]['account'] = {}, ip: Parameters<typeof createSignInThrottle>[0]['ip'] = {}) {
  let now = 1_000_000;
  const t = createSignInThrottle({ prefix: 't', account: options, ip, now: () => now });
  return { t, advance: (ms: number) => (now += ms) };
}

test('production defaults: five free failures per account, then 1 s doubling up to 15 minutes', () => {
  const p = DEFAULT_SIGN_IN_BACKOFF.account;
  assert.deepEqual([4, 5, 6, 7, 30].map((n) => delay(p, n)), [0, 1_000, 2_000, 4_000, 15 * 60_000]);
  assert.equal(delay(p, 10_000), 15 * 60_000);
  assert.equal(DEFAULT_SIGN_IN_BACKOFF.ip.freeFailures, 20);
});

test('an account is slowed down after its free failures, whatever the case of the email', async () => {
  const { t, advance } = throttle({ freeFailures: 2, baseMs: 1_000, maxMs: 8_000 });
  const keys = (email: string) => ({ email, ip: '10.0.0.1' });
  assert.equal(await t.attempt(keys('a@x.test')), 0);
  assert.equal(await t.attempt(keys('A@X.test')), 0);
  assert.equal(await t.attempt(keys('a@x.test ')), 2_000, 'third attempt within 1 s of the second');
  assert.equal(await t.attempt(keys('a@x.test')), 4_000, 'attempts while locked count too');
  advance(4_000);
  assert.equal(await t.attempt(keys('a@x.test')), 0, 'after the wait, the password is checked');
  await t.succeeded(keys('a@x.test'));
  assert.equal(await t.attempt(keys('a@x.test')), 0);
  assert.equal(await t.attempt(keys('b@x.test')), 0, 'another account is not affected');
});

test('one IP guessing across many accounts is slowed down too', async () => {
  const { t } = throttle({}, { freeFailures: 3, baseMs: 500, maxMs: 60_000 });
  const waits = [];
  for (let i = 0; i < 6; i++) waits.push(await t.attempt({ email: `user${i}@x.test`, ip: '10.0.0.2' }));
  assert.deepEqual(waits, [0, 0, 0, 1_000, 2_000, 4_000]);
  assert.equal(await t.attempt({ email: 'user0@x.test', ip: '10.0.0.3' }), 0, 'another IP is not affected');
});

test('parallel attempts cannot all pass one check', async () => {
  const { t } = throttle({ freeFailures: 5, baseMs: 1_000, maxMs: 60_000 });
  const waits = await Promise.all(Array.from({ length: 20 }, () => t.attempt({ email: 'p@x.test', ip: '10.0.0.4' })));
  assert.equal(waits.filter((w) => w === 0).length, 5);
});

test('a success gives the IP its attempt back, so colleagues behind one address are not locked out', async () => {
  const { t } = throttle({}, { freeFailures: 3, baseMs: 1_000, maxMs: 60_000 });
  for (let i = 0; i < 10; i++) {
    const keys = { email: `colleague${i}@x.test`, ip: '10.0.0.5' };
    assert.equal(await t.attempt(keys), 0);
    await t.succeeded(keys);
  }
});
