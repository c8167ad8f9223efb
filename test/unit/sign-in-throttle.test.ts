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
  assert.equal(await t.attempt(keys('a@x.test ')), 1_000, 'third attempt within 1 s of the second: refused for the rest of the lock');
  advance(400);
  assert.equal(await t.attempt(keys('a@x.test')), 600, 'an attempt while locked is refused and does not prolong the lock');
  advance(600);
  assert.equal(await t.attempt(keys('a@x.test')), 0, 'after the wait, the password is checked');
  assert.equal(await t.attempt(keys('a@x.test')), 2_000, 'and that failure counted: the next lock is twice as long');
  await t.succeeded(keys('a@x.test'));
  assert.equal(await t.attempt(keys('a@x.test')), 0);
  assert.equal(await t.attempt(keys('b@x.test')), 0, 'another account is not affected');
});

test('one IP guessing across many accounts is slowed down too', async () => {
  const { t } = throttle({}, { freeFailures: 3, baseMs: 500, maxMs: 60_000 });
  const waits = [];
  for (let i = 0; i < 6; i++) waits.push(await t.attempt({ email: `user${i}@x.test`, ip: '10.0.0.2' }));
  assert.deepEqual(waits, [0, 0, 0, 500, 500, 500], 'refused attempts do not lengthen the lock');
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

test('an attacker cannot keep an account locked: attempts during a lock neither count nor extend it', async () => {
  const { t, advance } = throttle({ freeFailures: 5, baseMs: 1_000, maxMs: 15 * 60_000 });
  const attacker = (n: number) => ({ email: 'owner@x.test', ip: `198.51.100.${n % 250}` });
  let n = 0;
  // Enough failures, each after the previous lock ended, to reach the 15-minute ceiling.
  for (let failures = 0; failures < 16; failures++) {
    let wait = await t.attempt(attacker(n++));
    if (wait > 0) {
      advance(wait);
      wait = await t.attempt(attacker(n++));
    }
    assert.equal(wait, 0);
  }
  const locked = await t.attempt(attacker(n++));
  assert.equal(locked, 15 * 60_000);
  // A few requests a minute from changing addresses for the whole quarter hour: each is told the time left, no more.
  let left = locked;
  for (let minute = 1; minute < 15; minute++) {
    advance(60_000);
    for (let i = 0; i < 3; i++) assert.equal(await t.attempt(attacker(n++)), left - 60_000, `minute ${minute}`);
    left -= 60_000;
  }
  advance(left);
  assert.equal(await t.attempt({ email: 'owner@x.test', ip: '203.0.113.9' }), 0, 'the owner gets in when the lock ends');
});

test('a known device passes the account lock; its own failures lock it alone, and still count for the account', async () => {
  const { t, advance } = throttle({ freeFailures: 2, baseMs: 60_000, maxMs: 600_000 }, { freeFailures: 3, baseMs: 60_000, maxMs: 600_000 });
  const owner = { email: 'o@x.test', ip: '10.0.1.1', device: 'device-of-owner' };
  for (let i = 0; i < 2; i++) assert.equal(await t.attempt({ email: 'o@x.test', ip: `10.0.2.${i}` }), 0);
  assert.equal(await t.attempt({ email: 'o@x.test', ip: '10.0.2.9' }), 60_000, 'locked for everyone without the device');
  assert.equal(await t.attempt(owner), 0, 'the device is let through');
  assert.equal(await t.attempt({ ...owner, device: 'another-device' }), 0, 'another device has no failures either');
  assert.equal(await t.attempt(owner), 0);
  assert.equal(await t.attempt(owner), 60_000, 'but the device has a lock of its own');
  // 2 failures without a device, 3 with one: 60 s doubled three times.
  assert.equal(await t.attempt({ email: 'o@x.test', ip: '10.0.2.10' }), 480_000, 'and its failures counted for the account');
  advance(60_000);
  await t.succeeded(owner);
  assert.equal(await t.attempt({ email: 'o@x.test', ip: '10.0.2.11' }), 0, 'a success starts the account afresh');
});

test('a known device does not pass the per-address limit', async () => {
  const { t } = throttle({}, { freeFailures: 2, baseMs: 60_000, maxMs: 600_000 });
  await t.attempt({ email: 'x1@x.test', ip: '10.0.3.1' });
  await t.attempt({ email: 'x2@x.test', ip: '10.0.3.1' });
  assert.equal(await t.attempt({ email: 'o@x.test', ip: '10.0.3.1', device: 'device-of-owner' }), 60_000);
  assert.equal(await t.attempt({ email: 'o@x.test', ip: '10.0.3.2', device: 'device-of-owner' }), 0, 'refused there, counted nowhere');
});
