// Issue #11, point 6: an attacker guessing from changing addresses cannot keep an admin
// out. Attempts during a lock do not prolong it, and the right password from a browser
// that signed in to that account before (its device cookie) passes the account's lock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, newAdmin, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const QUARTER_HOUR = 15 * 60_000;
const DEVICE = /^__Host-parley_device=([\w.-]+);/;

for (const kind of databaseKinds) {
  describe(`an attacker cannot lock an admin out (${kind})`, () => {
    let server: TestServer;
    let now = Date.now();
    let owner: AdminClient;
    let ownerDevice: string;
    let other: AdminClient;
    let otherDevice: string;
    let address = 0;

    before(async () => {
      // The production shape of the lock, made a quarter hour at once; the clock is the test's.
      const backoff = { account: { freeFailures: 5, baseMs: QUARTER_HOUR, maxMs: QUARTER_HOUR }, now: () => now };
      // TRUST_PROXY=loopback (the default) believes X-Forwarded-For from this test: each request its own address.
      server = await startTestServer(kind, {}, { adminAuth: { signInBackoff: backoff, perIpPerHour: 10_000 } });
      owner = await newAdmin(server, 'Owner');
      ownerDevice = await deviceOf(owner.email);
      other = await newAdmin(server, 'Other');
      otherDevice = await deviceOf(other.email);
    });
    after(() => server?.stop());

    async function signIn(email: string, password: string, options: { device?: string; ip?: string } = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', origin: server.url, 'x-forwarded-for': options.ip ?? `198.51.100.${++address % 250}` };
      if (options.device) headers.cookie = `__Host-parley_device=${options.device}`;
      const res = await fetch(`${server.url}/api/admin/auth/sign-in`, { method: 'POST', headers, body: JSON.stringify({ email, password }) });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), cookies: res.headers.getSetCookie(), body: (await res.json()) as Record<string, unknown> };
    }

    async function deviceOf(email: string): Promise<string> {
      const res = await signIn(email, ADMIN_PASSWORD);
      assert.equal(res.status, 200);
      return DEVICE.exec(res.cookies[1] ?? '')![1]!;
    }

    async function lockOut(email: string) {
      for (let i = 0; i < 5; i++) assert.equal((await signIn(email, `attacker guess ${i}`)).status, 401);
      const locked = await signIn(email, 'attacker guess 5');
      assert.equal(locked.status, 429);
      assert.equal(locked.retryAfter, '900');
    }

    test('attempts during a lock do not extend it: the owner gets in a quarter hour after the last counted failure', async () => {
      await lockOut(owner.email);
      for (let minute = 1; minute < 15; minute++) {
        now += 60_000;
        for (let i = 0; i < 3; i++) {
          const res = await signIn(owner.email, `attacker guess at minute ${minute}`);
          assert.equal(res.status, 429, `minute ${minute}`);
          assert.equal(res.retryAfter, String(900 - minute * 60), 'the time left of the same lock');
        }
      }
      const early = await signIn(owner.email, ADMIN_PASSWORD);
      assert.equal(early.status, 429, 'without a device cookie the lock holds for the right password too');
      assert.equal(early.retryAfter, '60');
      assert.deepEqual(early.body, { error: { code: 'too_many_attempts', message: 'Too many failed attempts. Please wait before trying again.' } });
      now += 60_000;
      assert.equal((await signIn(owner.email, ADMIN_PASSWORD)).status, 200);
    });

    test("the right password with the owner's device cookie passes the lock; without it, or with another account's, 429", async () => {
      await lockOut(owner.email);
      const without = await signIn(owner.email, ADMIN_PASSWORD);
      assert.equal(without.status, 429);
      assert.equal(without.retryAfter, '900');
      const foreign = await signIn(owner.email, ADMIN_PASSWORD, { device: otherDevice });
      assert.equal(foreign.status, 429, "account B's device cookie does nothing for account A");
      const forged = await signIn(owner.email, ADMIN_PASSWORD, { device: ownerDevice.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
      assert.equal(forged.status, 429);

      const known = await signIn(owner.email, ADMIN_PASSWORD, { device: ownerDevice });
      assert.equal(known.status, 200);
      assert.equal(DEVICE.exec(known.cookies[1] ?? '')![1]!.split('.')[1], ownerDevice.split('.')[1], 'the same device, its cookie renewed');
      // And account B's own cookie still works for B.
      assert.equal((await signIn(other.email, ADMIN_PASSWORD, { device: otherDevice })).status, 200);
    });

    test('a wrong password with the device cookie still counts, and the device then has a lock of its own', async () => {
      await lockOut(owner.email);
      for (let i = 0; i < 5; i++) assert.equal((await signIn(owner.email, `wrong on the device ${i}`, { device: ownerDevice })).status, 401);
      const deviceLocked = await signIn(owner.email, ADMIN_PASSWORD, { device: ownerDevice });
      assert.equal(deviceLocked.status, 429);
      assert.equal(deviceLocked.retryAfter, '900');
      now += QUARTER_HOUR;
      assert.equal((await signIn(owner.email, ADMIN_PASSWORD, { device: ownerDevice })).status, 200);
    });

    test('the per-address limit still applies with a device cookie', async () => {
      const ip = '203.0.113.77';
      for (let i = 0; i < 20; i++) await signIn(`nobody-${i}@example.test`, 'guessing across accounts', { ip });
      const res = await signIn(owner.email, ADMIN_PASSWORD, { device: ownerDevice, ip });
      assert.equal(res.status, 429);
      assert.ok(Number(res.retryAfter) >= 1);
      assert.equal((await signIn(owner.email, ADMIN_PASSWORD, { device: ownerDevice })).status, 200, 'from another address it works');
    });
  });
}
