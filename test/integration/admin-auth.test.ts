import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createSignInThrottle } from '../../server/auth/sign-in-throttle.js';
import { withoutTenant } from '../../server/db/tenant.js';
import { signUpToken } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'correct horse battery staple';
const COOKIE = /^__Host-parley_session=([A-Za-z0-9_-]{43}); Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Lax$/;
const DEVICE_COOKIE = /^__Host-parley_device=([\w.-]+); Max-Age=31536000; Path=\/; HttpOnly; Secure; SameSite=Strict$/;
// Small backoff; the per-IP limit is out of the way because every test here comes from
// 127.0.0.1 (the per-IP backoff has a unit test). The throttle's clock is the tests': a lock
// lasts until a test moves it on, however slowly the machine runs.
const BACKOFF = { account: { baseMs: 1_000, maxMs: 4_000 }, ip: { freeFailures: 10_000 } };

interface Call {
  status: number;
  body: Record<string, unknown> | undefined;
  text: string;
  headers: Headers;
}

for (const kind of databaseKinds) {
  describe(`admin accounts and sessions (${kind})`, () => {
    let server: TestServer;
    /** Everything the API answered, bodies and headers but the session cookie, to search for secrets. */
    const answered: string[] = [];
    const sessionTokens: string[] = [];

    let now = Date.now();
    before(async () => {
      server = await startTestServer(kind, {}, { adminAuth: { signInBackoff: { ...BACKOFF, now: () => now }, perIpPerHour: 10_000 } });
    });
    after(() => server?.stop());

    async function call(method: string, path: string, options: { body?: unknown; token?: string; csrf?: string; origin?: string | null; timeoutMs?: number } = {}): Promise<Call> {
      const headers: Record<string, string> = {};
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.token) headers.cookie = `__Host-parley_session=${options.token}`;
      if (options.csrf) headers['x-csrf-token'] = options.csrf;
      const origin = options.origin === undefined ? server.url : options.origin;
      if (origin !== null) headers.origin = origin;
      const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
      const res = await fetch(`${server.url}/api/admin/auth${path}`, { method, headers, signal, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
      const text = await res.text();
      answered.push(text, JSON.stringify([...res.headers].filter(([name]) => name !== 'set-cookie')));
      return { status: res.status, text, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    }

    const newEmail = () => `admin-${randomUUID()}@Example.test`;

    /** Signs up through the mailed link, which also signs in; returns that first session too. */
    async function signUp(email = newEmail(), password = PASSWORD) {
      const res = await call('POST', '/sign-up', { body: { email, name: 'Ada' } });
      assert.equal(res.status, 202, res.text);
      const done = await call('POST', '/sign-up/complete', { body: { token: await signUpToken(server.outbox, email), password } });
      assert.equal(done.status, 201, done.text);
      const token = COOKIE.exec(done.headers.getSetCookie()[0]!)![1]!;
      sessionTokens.push(token);
      return { email, password, id: (done.body!.account as { id: string }).id, token, csrf: done.body!.csrfToken as string };
    }

    async function signIn(email: string, password = PASSWORD) {
      const res = await call('POST', '/sign-in', { body: { email, password } });
      assert.equal(res.status, 200, res.text);
      const cookie = res.headers.getSetCookie();
      assert.equal(cookie.length, 2, 'the session and the device cookie');
      const token = COOKIE.exec(cookie[0]!)![1]!;
      assert.match(cookie[1]!, DEVICE_COOKIE);
      sessionTokens.push(token);
      return { token, csrf: res.body!.csrfToken as string };
    }

    const errorCode = (res: Call) => (res.body?.error as { code?: string } | undefined)?.code;

    test('sign-up: 202, then the mailed link, where the password is chosen and which signs in', async () => {
      const email = newEmail();
      const requested = await call('POST', '/sign-up', { body: { email, name: 'Ada' } });
      assert.equal(requested.status, 202);
      assert.deepEqual(requested.body, { status: 'check_email' });
      assert.equal(requested.headers.getSetCookie().length, 0);
      const token = await signUpToken(server.outbox, email);
      const mail = server.outbox.lastTo(email)!;
      assert.equal(mail.subject, 'Finish creating your Parley account');
      assert.ok(mail.text.includes(`${server.url}/admin/sign-up/complete#token=${token}`));
      const pending = await withoutTenant(server.db, (q) => q.query('SELECT 1 FROM accounts WHERE lower(email) = lower($1)', [email]));
      assert.equal(pending.rows.length, 0, 'no account before the link is used');

      const done = await call('POST', '/sign-up/complete', { body: { token, password: PASSWORD } });
      assert.equal(done.status, 201, done.text);
      const [session, device] = done.headers.getSetCookie();
      assert.match(session!, COOKIE);
      assert.match(device!, DEVICE_COOKIE);
      sessionTokens.push(COOKIE.exec(session!)![1]!);
      assert.deepEqual(Object.keys(done.body!).sort(), ['account', 'csrfToken', 'session']);
      assert.deepEqual({ ...(done.body!.account as object), id: undefined, createdAt: undefined }, { id: undefined, createdAt: undefined, email, name: 'Ada', mfaEnabled: false });
      const again = await call('POST', '/sign-up/complete', { body: { token, password: PASSWORD } });
      assert.equal(again.status, 400);
      assert.equal(errorCode(again), 'invalid_signup_token');
      const stored = await withoutTenant(server.db, (q) => q.query('SELECT 1 FROM signup_requests WHERE lower(email) = lower($1)', [email]));
      assert.equal(stored.rows.length, 0, 'used up');
      assert.equal((await call('POST', '/sign-up/complete', { origin: 'https://evil.example', body: { token, password: PASSWORD } })).status, 403);
    });

    test('sign-in, session, sign-out', async () => {
      const { email, id, token: first, csrf: firstCsrf } = await signUp();
      assert.equal((await call('POST', '/sign-out', { token: first, csrf: firstCsrf })).status, 204);
      const signedIn = await call('POST', '/sign-in', { body: { email: email.toUpperCase(), password: PASSWORD } });
      assert.equal(signedIn.status, 200);
      const [cookie] = signedIn.headers.getSetCookie();
      assert.match(cookie!, COOKIE, 'cookie name and flags exactly');
      const token = COOKIE.exec(cookie!)![1]!;
      sessionTokens.push(token);
      assert.deepEqual(Object.keys(signedIn.body!).sort(), ['account', 'csrfToken', 'session']);
      assert.deepEqual(Object.keys(signedIn.body!.account as object).sort(), ['createdAt', 'email', 'id', 'mfaEnabled', 'name']);
      assert.match(signedIn.headers.getSetCookie()[1]!, DEVICE_COOKIE, 'a device cookie with every full sign-in');

      const session = await call('GET', '/session', { token });
      assert.equal(session.status, 200);
      assert.equal((session.body!.account as { id: string }).id, id);
      assert.equal((session.body!.account as { email: string }).email, email);
      assert.equal(session.body!.csrfToken, signedIn.body!.csrfToken);
      assert.equal(session.headers.get('cache-control'), 'no-store');

      // Only the SHA-256 of the token is stored, read here as the runtime role.
      const rows = await withoutTenant(server.db, (q) => q.query<{ token_hash: Uint8Array; expires_at: Date }>('SELECT token_hash, expires_at FROM admin_sessions WHERE account_id = $1', [id]));
      assert.equal(rows.rows.length, 1);
      assert.deepEqual(Buffer.from(rows.rows[0]!.token_hash), createHash('sha256').update(token).digest());
      const days = (rows.rows[0]!.expires_at.getTime() - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, `expires in 30 days, got ${days}`);

      const out = await call('POST', '/sign-out', { token, csrf: session.body!.csrfToken as string });
      assert.equal(out.status, 204);
      assert.match(out.headers.getSetCookie()[0]!, /^__Host-parley_session=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      assert.equal((await call('GET', '/session', { token })).status, 401, 'revoked on the server, not only in the browser');
      const left = await withoutTenant(server.db, (q) => q.query('SELECT 1 FROM admin_sessions WHERE account_id = $1', [id]));
      assert.equal(left.rows.length, 0);

      const all = await withoutTenant(server.db, (q) => q.query<{ action: string }>('SELECT action FROM platform_audit_events WHERE actor = $1 ORDER BY id', [`account:${id}`]));
      assert.deepEqual(all.rows.map((e) => e.action), ['auth.sign_up', 'auth.sign_in', 'auth.sign_out', 'auth.sign_in', 'auth.sign_out']);
    });

    test('the expiry slides forward on use, at most once a minute; an expired session is gone', async () => {
      const { email, id } = await signUp();
      const { token } = await signIn(email);
      const first = await call('GET', '/session', { token });
      assert.equal(first.headers.getSetCookie().length, 0, 'seen less than a minute ago: nothing written');
      await withoutTenant(server.db, (q) => q.query("UPDATE admin_sessions SET last_seen_at = now() - interval '2 minutes', expires_at = now() + interval '1 day' WHERE account_id = $1", [id]));
      const slid = await call('GET', '/session', { token });
      assert.equal(slid.status, 200);
      assert.match(slid.headers.getSetCookie()[0] ?? '', COOKIE, 'the cookie is renewed too');
      const days = (Date.parse((slid.body!.session as { expiresAt: string }).expiresAt) - Date.now()) / 86_400_000;
      assert.ok(days > 29.9, `30 days again, got ${days}`);
      await withoutTenant(server.db, (q) => q.query("UPDATE admin_sessions SET expires_at = now() - interval '1 second' WHERE account_id = $1", [id]));
      assert.equal((await call('GET', '/session', { token })).status, 401);
    });

    test('signing up with a taken address answers as for a new one; its owner is told by mail; no session means 401', async () => {
      const { email } = await signUp();
      const fresh = newEmail();
      const taken = await call('POST', '/sign-up', { body: { email: email.toLowerCase(), name: 'Eve' } });
      const free = await call('POST', '/sign-up', { body: { email: fresh, name: 'Eve' } });
      for (const res of [taken, free]) {
        assert.equal(res.status, 202);
        assert.deepEqual(res.body, { status: 'check_email' });
        assert.equal(res.headers.getSetCookie().length, 0);
      }
      assert.equal(taken.text, free.text);
      const told = await server.outbox.waitFor(email, (m) => m.subject === 'Someone tried to sign up with your address');
      assert.match(told.text, /already has one/);
      assert.ok(told.text.includes(`${server.url}/admin/forgot-password`));
      assert.ok(!/#token=/.test(told.text), 'no link that creates anything');
      await signUpToken(server.outbox, fresh);
      assert.equal((await call('GET', '/session')).status, 401);
      assert.equal((await call('GET', '/session', { token: 'x'.repeat(43) })).status, 401);
    });

    test('a wrong password and an unknown email get the same 401', async () => {
      const { email } = await signUp();
      const wrong = await call('POST', '/sign-in', { body: { email, password: 'not the password at all' } });
      const unknown = await call('POST', '/sign-in', { body: { email: newEmail(), password: 'not the password at all' } });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.deepEqual(wrong.body, unknown.body);
      assert.deepEqual(wrong.body, { error: { code: 'invalid_credentials', message: 'The email or password is not correct.' } });
      assert.equal(wrong.headers.getSetCookie().length, 0);
    });

    test('short and common passwords are refused with a clear 400, and the link still works after', async () => {
      const email = newEmail();
      assert.equal((await call('POST', '/sign-up', { body: { email } })).status, 202);
      const token = await signUpToken(server.outbox, email);
      for (const [password, pattern] of [
        ['short1!', /at least 10 characters/],
        ['qwertyuiop', /most commonly used/],
        ['Password123!', /most commonly used/],
        ['1234567890', /most commonly used/],
        ['aaaaaaaaaaaa', /(most commonly used|too few characters)/],
        [email, /too close to your email/],
      ] as const) {
        const res = await call('POST', '/sign-up/complete', { body: { token, password } });
        assert.equal(res.status, 400, password);
        assert.equal(errorCode(res), 'weak_password');
        assert.match((res.body!.error as { message: string }).message, pattern);
      }
      assert.equal((await call('POST', '/sign-up/complete', { body: { token, password: PASSWORD } })).status, 201);
      for (const body of [{ email: 'not-an-email' }, { email: newEmail(), password: PASSWORD }, { email: newEmail(), invitation: 'x' }]) {
        const bad = await call('POST', '/sign-up', { body });
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.equal(errorCode(bad), 'invalid_body');
      }
      const badToken = await call('POST', '/sign-up/complete', { body: { token: 'ab'.repeat(32), password: PASSWORD } });
      assert.equal(badToken.status, 400);
      assert.equal(errorCode(badToken), 'invalid_signup_token');
    });

    test('20 wrong passwords: 429 with a Retry-After that never grows, the same for an unknown email; the right one works after the wait', async () => {
      const { email } = await signUp();
      const unknownEmail = newEmail();
      const statuses: number[] = [];
      const waits: number[] = [];
      let last: Call | undefined;
      for (let i = 0; i < 20; i++) {
        last = await call('POST', '/sign-in', { body: { email, password: `wrong password ${i}` } });
        statuses.push(last.status);
        if (last.status === 429) waits.push(Number(last.headers.get('retry-after')));
      }
      assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.deepEqual(statuses.slice(5), Array(15).fill(429));
      assert.deepEqual(last!.body, { error: { code: 'too_many_attempts', message: 'Too many failed attempts. Please wait before trying again.' } });
      // Attempts during the lock are refused without counting: they cannot make it longer.
      for (let i = 1; i < waits.length; i++) assert.ok(waits[i]! <= waits[i - 1]!, `Retry-After never grows: ${waits.join(',')}`);
      assert.deepEqual(new Set(waits), new Set([1]), 'one lock of one second, the clock standing still');

      // Locked, even the right password is refused, without being checked.
      const locked = await call('POST', '/sign-in', { body: { email, password: PASSWORD } });
      assert.equal(locked.status, 429);

      const unknownStatuses: number[] = [];
      let unknownLast: Call | undefined;
      for (let i = 0; i < 7; i++) {
        unknownLast = await call('POST', '/sign-in', { body: { email: unknownEmail, password: `wrong password ${i}` } });
        unknownStatuses.push(unknownLast.status);
      }
      assert.deepEqual(unknownStatuses, [401, 401, 401, 401, 401, 429, 429]);
      assert.deepEqual(unknownLast!.body, last!.body);

      now += Number(locked.headers.get('retry-after')) * 1000;
      await signIn(email);
      // Success starts the account afresh.
      assert.equal((await call('POST', '/sign-in', { body: { email, password: 'wrong again' } })).status, 401);
    });

    test('a cross-site POST with a valid session cookie changes nothing', async () => {
      const { email } = await signUp();
      const { token, csrf } = await signIn(email);
      for (const origin of ['https://evil.example', 'null', null, server.url.replace('127.0.0.1', 'localhost')]) {
        const res = await call('POST', '/password', { token, csrf, origin, body: { current: PASSWORD, next: 'a brand new passphrase' } });
        assert.equal(res.status, 403, String(origin));
        assert.equal(errorCode(res), 'csrf_failed');
        const out = await call('POST', '/sign-out', { token, csrf, origin });
        assert.equal(out.status, 403);
      }
      const signInElsewhere = await call('POST', '/sign-in', { origin: 'https://evil.example', body: { email, password: PASSWORD } });
      assert.equal(signInElsewhere.status, 403);
      assert.equal(signInElsewhere.headers.getSetCookie().length, 0);
      assert.equal((await call('GET', '/session', { token })).status, 200, 'the session survived');
      await signIn(email, PASSWORD);
    });

    test('a missing or wrong CSRF token is refused', async () => {
      const { email } = await signUp();
      const { token, csrf } = await signIn(email);
      const other = await signIn(email);
      for (const bad of [undefined, '', 'x', other.csrf, csrf.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))]) {
        const res = await call('POST', '/password', { token, csrf: bad, body: { current: PASSWORD, next: 'a brand new passphrase' } });
        assert.equal(res.status, 403, String(bad));
        assert.equal(errorCode(res), 'csrf_failed');
        assert.equal((await call('POST', '/sign-out', { token, csrf: bad })).status, 403);
      }
      assert.equal((await call('GET', '/session', { token })).status, 200);
      await signIn(email, PASSWORD);
    });

    test('changing the password keeps this session and revokes the others', async () => {
      const { email } = await signUp();
      const a = await signIn(email);
      const b = await signIn(email);
      const wrong = await call('POST', '/password', { token: a.token, csrf: a.csrf, body: { current: 'not my password!', next: 'a brand new passphrase' } });
      assert.equal(wrong.status, 403);
      assert.equal(errorCode(wrong), 'wrong_password');
      const weak = await call('POST', '/password', { token: a.token, csrf: a.csrf, body: { current: PASSWORD, next: 'password1234' } });
      assert.equal(weak.status, 400);
      assert.equal(errorCode(weak), 'weak_password');
      assert.equal((await call('GET', '/session', { token: b.token })).status, 200, 'refused changes revoke nothing');

      const changed = await call('POST', '/password', { token: a.token, csrf: a.csrf, body: { current: PASSWORD, next: 'a brand new passphrase' } });
      assert.equal(changed.status, 204);
      assert.equal((await call('GET', '/session', { token: a.token })).status, 200);
      assert.equal((await call('GET', '/session', { token: b.token })).status, 401);
      assert.equal((await call('POST', '/sign-in', { body: { email, password: PASSWORD } })).status, 401);
      await signIn(email, 'a brand new passphrase');
    });

    test('password reset: a link through the mailer (the log), one use, every session revoked', async () => {
      const { email, id } = await signUp();
      const session = await signIn(email);
      const linesBefore = server.logs.length;
      const requested = await call('POST', '/password-reset/request', { body: { email: email.toLowerCase() } });
      const unknown = await call('POST', '/password-reset/request', { body: { email: newEmail() } });
      assert.equal(requested.status, 202);
      assert.equal(unknown.status, 202);
      assert.equal(requested.text, unknown.text);

      const mail = await waitFor(() => server.logs.slice(linesBefore).find((l) => l.includes('"mail"')));
      assert.equal(server.logs.slice(linesBefore).filter((l) => l.includes('"mail"')).length, 1, 'no mail for the unknown email');
      const token = /#token=([0-9a-f]{64})/.exec(mail)![1]!;
      assert.ok(mail.includes(`${server.url}/admin/reset-password#token=${token}`));
      assert.ok(mail.includes(email), 'addressed to the account');

      const weak = await call('POST', '/password-reset/confirm', { body: { token, password: 'letmein' } });
      assert.equal(weak.status, 400);
      const confirmed = await call('POST', '/password-reset/confirm', { body: { token, password: 'reset to something new' } });
      assert.equal(confirmed.status, 204);
      assert.equal((await call('GET', '/session', { token: session.token })).status, 401, 'every session revoked');
      const reused = await call('POST', '/password-reset/confirm', { body: { token, password: 'and once more again' } });
      assert.equal(reused.status, 400);
      assert.equal(errorCode(reused), 'invalid_reset_token');
      assert.equal((await call('POST', '/password-reset/confirm', { origin: 'https://evil.example', body: { token, password: 'x'.repeat(12) } })).status, 403);
      await signIn(email, 'reset to something new');

      // The token travels only in the mail: one log line, no response, no row.
      assert.equal(server.logs.filter((l) => l.includes(token)).length, 1);
      assert.ok(!answered.some((t) => t.includes(token)));
      const stored = await withoutTenant(server.db, (q) => q.query<{ token_hash: Uint8Array; used_at: Date | null }>('SELECT token_hash, used_at FROM password_reset_tokens WHERE account_id = $1', [id]));
      assert.deepEqual(Buffer.from(stored.rows[0]!.token_hash), createHash('sha256').update(token).digest());
      assert.ok(stored.rows[0]!.used_at);
      const actions = await withoutTenant(server.db, (q) => q.query<{ action: string }>("SELECT action FROM platform_audit_events WHERE target = $1 AND action LIKE 'auth.password_reset%' ORDER BY id", [`account:${id}`]));
      assert.deepEqual(actions.rows.map((r) => r.action), ['auth.password_reset_requested', 'auth.password_reset']);
    });

    test('password hashes and session tokens appear in no response and no log line', async () => {
      const { email } = await signUp();
      await signIn(email);
      const hashes = await withoutTenant(server.db, (q) => q.query<{ password_hash: string }>('SELECT password_hash FROM accounts'));
      assert.ok(hashes.rows.length > 5);
      assert.ok(hashes.rows.every((r) => r.password_hash.startsWith('$argon2id$')), 'argon2id');
      const secrets = [...hashes.rows.map((r) => r.password_hash), ...hashes.rows.map((r) => r.password_hash.split('$').at(-1)!), ...sessionTokens, PASSWORD];
      assert.ok(sessionTokens.length > 5);
      const audit = await withoutTenant(server.db, (q) => q.query('SELECT * FROM platform_audit_events'));
      const haystacks = [...answered, ...server.logs, JSON.stringify(audit.rows)];
      for (const secret of secrets) {
        assert.ok(!haystacks.some((h) => h.includes(secret)), `a secret leaked: ${secret.slice(0, 6)}…`);
      }
    });
  });
}

test('with Redis, instances share sign-in failures; a lock is not prolonged from either; a known device passes it', async () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  const prefix = `parley-test-${randomBytes(6).toString('hex')}`;
  try {
    await redis.connect();
    let now = 1_700_000_000_000;
    const policy = { account: { freeFailures: 2, baseMs: 60_000, maxMs: 600_000 }, now: () => now };
    const [a, b] = [createSignInThrottle({ ...policy, redis, prefix }), createSignInThrottle({ ...policy, redis, prefix })];
    const keys = { email: 'shared@example.test', ip: '10.1.1.1' };
    assert.deepEqual([await a.attempt(keys), await b.attempt(keys), await a.attempt(keys), await b.attempt(keys)], [0, 0, 60_000, 60_000]);
    now += 30_000;
    assert.equal(await b.attempt(keys), 30_000, 'the time left, not a new lock');
    now += 30_000;
    assert.deepEqual([await a.attempt(keys), await b.attempt(keys)], [0, 120_000]);
    assert.equal(await a.attempt({ ...keys, device: 'device-1' }), 0, 'a known device passes the lock');
    const stored = await redis.keys(`${prefix}*`);
    assert.ok(stored.length === 3 && stored.every((k) => !k.includes('shared@') && !k.includes('device-1')), 'keys hold no email address or device id');
    assert.equal(await b.attempt(keys), 240_000, "the device's failure counted for the account");
    await b.succeeded(keys);
    assert.equal(await a.attempt(keys), 0);
  } finally {
    const keys = await redis.keys(`${prefix}*`).catch(() => []);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});

async function waitFor<T>(fn: () => T | undefined, timeoutMs = 2_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await sleep(20);
  }
}
