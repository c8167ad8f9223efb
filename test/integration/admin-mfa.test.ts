import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { withoutTenant } from '../../server/db/tenant.js';
import { ADMIN_PASSWORD, ADMIN_TEST_OPTIONS, addMember, adminRequest, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminCall, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Small backoff so throttling shows in seconds; the per-IP limit is out of the way. Attempts
// during a lock no longer prolong it, so the first lock is the whole 2 s the tests wait out.
const OPTIONS = { ...ADMIN_TEST_OPTIONS, signInBackoff: { account: { baseMs: 2_000, maxMs: 2_000 }, ip: { freeFailures: 10_000 } } };
const COOKIE = /__Host-parley_session=([A-Za-z0-9_-]{43});/;

/** The TOTP code `steps` time steps from now (the server accepts one step either side). */
const totp = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

for (const kind of databaseKinds) {
  describe(`admin MFA (${kind})`, () => {
    const mailer = memoryMailer();
    let server: TestServer;
    /** Every secret and recovery code handed out, to look for in the database and the logs. */
    const secrets: string[] = [];

    before(async () => {
      server = await startTestServer(kind, {}, { adminAuth: { ...OPTIONS, mailer } });
    });
    after(() => server?.stop());

    const actions = async (accountId: string) =>
      (await withoutTenant(server.db, (q) => q.query<{ action: string }>('SELECT action FROM platform_audit_events WHERE actor = $1 ORDER BY id', [`account:${accountId}`]))).rows.map((r) => r.action);
    /** As if the last code's 30 s had passed: the test needs more fresh codes than the clock gives. */
    const forgetLastStep = (accountId: string) => server.db.query('UPDATE accounts SET mfa_last_step = NULL WHERE id = $1', [accountId]);

    async function enrol(admin: AdminClient): Promise<{ secret: string; recoveryCodes: string[] }> {
      const setup = await admin.call('POST', '/auth/mfa/setup', {});
      assert.equal(setup.status, 200, setup.text);
      const secret = setup.body!.secret as string;
      secrets.push(secret);
      const enabled = await admin.call('POST', '/auth/mfa/enable', { code: await totp(secret) });
      assert.equal(enabled.status, 200, enabled.text);
      const recoveryCodes = enabled.body!.recoveryCodes as string[];
      secrets.push(...recoveryCodes);
      return { secret, recoveryCodes };
    }

    /** Password step of signing in: the pending session's token and CSRF token. */
    async function signInPending(email: string): Promise<{ token: string; csrf: string; res: AdminCall }> {
      const res = await adminRequest(server, 'POST', '/auth/sign-in', { body: { email, password: ADMIN_PASSWORD } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body!).sort(), ['csrfToken', 'mfaRequired']);
      assert.equal(res.body!.mfaRequired, true);
      return { token: COOKIE.exec(res.headers.getSetCookie()[0] ?? '')![1]!, csrf: res.body!.csrfToken as string, res };
    }

    const verify = (pending: { token: string; csrf: string }, code: string) => adminRequest(server, 'POST', '/auth/mfa/verify', { body: { code }, ...pending });

    test('enrol: setup gives a secret and a QR code, enable needs a right code and returns ten recovery codes', async () => {
      const admin = await newAdmin(server);
      assert.equal(errorCode(await admin.call('POST', '/auth/mfa/enable', { code: '123456' })), 'mfa_setup_required');
      const setup = await admin.call('POST', '/auth/mfa/setup', {});
      assert.equal(setup.status, 200, setup.text);
      const { secret, otpauthUrl, qrSvg } = setup.body as { secret: string; otpauthUrl: string; qrSvg: string };
      secrets.push(secret);
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.ok(otpauthUrl.startsWith('otpauth://totp/Parley:') && otpauthUrl.includes(`secret=${secret}`), otpauthUrl);
      assert.match(Buffer.from(qrSvg.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString(), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      // Pending until confirmed: signing in still needs only the password.
      assert.equal(((await admin.call('GET', '/auth/session')).body!.account as { mfaEnabled: boolean }).mfaEnabled, false);
      // A second setup replaces the first secret: its codes no longer count.
      const newer = (await admin.call('POST', '/auth/mfa/setup', {})).body!.secret as string;
      secrets.push(newer);
      assert.notEqual(newer, secret);
      assert.equal(errorCode(await admin.call('POST', '/auth/mfa/enable', { code: await totp(secret) })), 'invalid_code');

      const wrong = await admin.call('POST', '/auth/mfa/enable', { code: await totp(newer, 5) });
      assert.equal(wrong.status, 401);
      assert.equal(errorCode(wrong), 'invalid_code');
      assert.equal(errorCode(await admin.call('POST', '/auth/mfa/enable', { code: 'x' })), 'invalid_body');

      const enabled = await admin.call('POST', '/auth/mfa/enable', { code: await totp(newer) });
      assert.equal(enabled.status, 200, enabled.text);
      const codes = enabled.body!.recoveryCodes as string[];
      secrets.push(...codes);
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      for (const c of codes) assert.match(c, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      assert.equal(((await admin.call('GET', '/auth/session')).body!.account as { mfaEnabled: boolean }).mfaEnabled, true);
      assert.equal(errorCode(await admin.call('POST', '/auth/mfa/setup', {})), 'mfa_already_enabled', 'a second setup cannot replace the secret');

      const stored = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE account_id = $1', [admin.accountId]);
      assert.equal(stored.rows[0]!.n, 10);
      assert.deepEqual(await actions(admin.accountId), ['auth.sign_up', 'auth.sign_in', 'auth.mfa_failed', 'auth.mfa_failed', 'auth.mfa_enabled']);
    });

    test('signing in then needs a code; a pending session can do nothing else; a code works once', async () => {
      const admin = await newAdmin(server);
      const { secret } = await enrol(admin);
      const pending = await signInPending(admin.email);

      // Good for nothing but verify: not the session, not workspaces, not MFA settings.
      const session = await adminRequest(server, 'GET', '/auth/session', pending);
      assert.equal(session.status, 401);
      assert.equal(errorCode(session), 'mfa_pending');
      assert.equal((await adminRequest(server, 'GET', '/workspaces', pending)).status, 401);
      assert.equal((await adminRequest(server, 'POST', '/workspaces', { ...pending, body: { name: 'Nope' } })).status, 401);
      const workspaceId = (await newWorkspace(admin)).id;
      assert.equal((await adminRequest(server, 'GET', `/workspaces/${workspaceId}`, pending)).status, 401);
      assert.equal((await adminRequest(server, 'POST', '/auth/mfa/setup', { ...pending, body: {} })).status, 401);
      assert.equal((await adminRequest(server, 'POST', '/auth/password', { ...pending, body: { current: ADMIN_PASSWORD, next: 'another long passphrase here' } })).status, 401);
      // It lives ten minutes and does not slide.
      const { rows } = await server.db.query<{ expires_at: Date; mfa_pending: boolean }>('SELECT expires_at, mfa_pending FROM admin_sessions WHERE account_id = $1 AND mfa_pending', [admin.accountId]);
      assert.equal(rows.length, 1);
      const minutes = (rows[0]!.expires_at.getTime() - Date.now()) / 60_000;
      assert.ok(minutes > 9 && minutes <= 10, `${minutes} minutes`);

      assert.equal(errorCode(await adminRequest(server, 'POST', '/auth/mfa/verify', { body: { code: '000000' }, token: pending.token })), 'csrf_failed', 'verify needs the CSRF token from sign-in');
      assert.equal(errorCode(await verify(pending, await totp(secret, 4))), 'invalid_code');

      const code = await totp(secret, 1);
      const done = await verify(pending, code);
      assert.equal(done.status, 200, done.text);
      assert.deepEqual(Object.keys(done.body!).sort(), ['account', 'csrfToken', 'session']);
      assert.equal((done.body!.account as { mfaEnabled: boolean }).mfaEnabled, true);
      const token = COOKIE.exec(done.headers.getSetCookie()[0] ?? '')![1]!;
      assert.notEqual(token, pending.token, 'a new session token once the second factor is given');
      assert.equal((await adminRequest(server, 'GET', '/auth/session', { token: pending.token })).status, 401);
      const full = await adminRequest(server, 'GET', '/auth/session', { token });
      assert.equal(full.status, 200);
      assert.equal(full.body!.csrfToken, done.body!.csrfToken);
      assert.equal((await adminRequest(server, 'GET', `/workspaces/${workspaceId}`, { token })).status, 200);
      assert.equal(errorCode(await verify({ token, csrf: done.body!.csrfToken as string }, code)), 'already_signed_in');

      // The same code again, in a new sign-in: refused.
      assert.equal(errorCode(await verify(await signInPending(admin.email), code)), 'invalid_code');
      // An expired pending session is no session.
      const late = await signInPending(admin.email);
      await server.db.query("UPDATE admin_sessions SET expires_at = now() - interval '1 second' WHERE account_id = $1 AND mfa_pending", [admin.accountId]);
      assert.equal(errorCode(await verify(late, await totp(secret, -1))), 'unauthenticated');
      // Sign-out works for a pending session.
      const leaving = await signInPending(admin.email);
      assert.equal((await adminRequest(server, 'POST', '/auth/sign-out', leaving)).status, 204);
      assert.equal(errorCode(await verify(leaving, await totp(secret, -1))), 'unauthenticated');
    });

    test('wrong codes count in the sign-in throttle: a code cannot be brute-forced', async () => {
      const admin = await newAdmin(server);
      const { secret } = await enrol(admin);
      const pending = await signInPending(admin.email);
      let refused: AdminCall | undefined;
      for (let i = 0; i < 8 && !refused; i++) {
        const res = await verify(pending, String((Number(await totp(secret, 3)) + i + 1) % 1_000_000).padStart(6, '0'));
        if (res.status === 429) refused = res;
        else assert.equal(errorCode(res), 'invalid_code');
      }
      assert.ok(refused, 'refused after a few wrong codes');
      assert.equal(errorCode(refused), 'too_many_attempts');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      // Even the right code waits its turn, and signing in again buys no fresh guesses.
      assert.equal((await verify(pending, await totp(secret))).status, 429);
      assert.equal((await adminRequest(server, 'POST', '/auth/sign-in', { body: { email: admin.email, password: ADMIN_PASSWORD } })).status, 429);
      await sleep(2_100);
      await forgetLastStep(admin.accountId);
      const ok = await verify(pending, await totp(secret));
      assert.equal(ok.status, 200, ok.text);
    });

    test('a used time step ahead of this clock (another instance ran fast, or this one went back) is a 401, not a 500', async () => {
      const admin = await newAdmin(server);
      const { secret, recoveryCodes } = await enrol(admin);
      const ahead = Math.floor(Date.now() / 30_000) + 10;
      await server.db.query('UPDATE accounts SET mfa_last_step = $2 WHERE id = $1', [admin.accountId, ahead]);
      const pending = await signInPending(admin.email);
      for (const steps of [0, 1]) {
        const res = await verify(pending, await totp(secret, steps));
        assert.equal(res.status, 401, res.text);
        assert.equal(errorCode(res), 'invalid_code');
      }
      // A recovery code still lets the owner in.
      assert.equal((await verify(pending, recoveryCodes[0]!)).status, 200);
    });

    test('a recovery code signs in once; regenerating replaces them all', async () => {
      const admin = await newAdmin(server);
      const { secret, recoveryCodes } = await enrol(admin);
      const [first, second] = recoveryCodes as [string, string];
      const typed = ` ${first.toUpperCase().replaceAll('-', ' ')} `;
      const ok = await verify(await signInPending(admin.email), typed);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(errorCode(await verify(await signInPending(admin.email), first)), 'invalid_code', 'used once, gone');
      const again = await verify(await signInPending(admin.email), second);
      assert.equal(again.status, 200, again.text);
      const left = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE account_id = $1', [admin.accountId]);
      assert.equal(left.rows[0]!.n, 8);

      const signedIn = { token: COOKIE.exec(again.headers.getSetCookie()[0] ?? '')![1]!, csrf: again.body!.csrfToken as string };
      assert.equal(errorCode(await adminRequest(server, 'POST', '/auth/mfa/recovery-codes', { ...signedIn, body: { code: '000000' } })), 'invalid_code');
      await forgetLastStep(admin.accountId);
      const fresh = await adminRequest(server, 'POST', '/auth/mfa/recovery-codes', { ...signedIn, body: { code: await totp(secret) } });
      assert.equal(fresh.status, 200, fresh.text);
      const codes = fresh.body!.recoveryCodes as string[];
      secrets.push(...codes);
      assert.equal(codes.length, 10);
      assert.equal(errorCode(await verify(await signInPending(admin.email), recoveryCodes[2]!)), 'invalid_code', 'the old codes are gone');
      assert.equal((await verify(await signInPending(admin.email), codes[0]!)).status, 200);

      const events = await actions(admin.accountId);
      assert.equal(events.filter((a) => a === 'auth.mfa_recovery_code_used').length, 3);
      assert.ok(events.includes('auth.mfa_recovery_codes_regenerated'));
    });

    test('turning MFA off needs the password and a code', async () => {
      const admin = await newAdmin(server);
      const { secret } = await enrol(admin);
      const done = await verify(await signInPending(admin.email), await totp(secret, 1));
      const signedIn = { token: COOKIE.exec(done.headers.getSetCookie()[0] ?? '')![1]!, csrf: done.body!.csrfToken as string };
      const disable = (body: unknown) => adminRequest(server, 'POST', '/auth/mfa/disable', { ...signedIn, body });
      await forgetLastStep(admin.accountId);

      assert.equal(errorCode(await disable({ password: ADMIN_PASSWORD })), 'invalid_body');
      assert.equal(errorCode(await disable({ password: 'not the password', code: await totp(secret) })), 'wrong_password');
      assert.equal(errorCode(await disable({ password: ADMIN_PASSWORD, code: '000000' })), 'invalid_code');
      assert.equal(((await adminRequest(server, 'GET', '/auth/session', signedIn)).body!.account as { mfaEnabled: boolean }).mfaEnabled, true, 'nothing changed');

      assert.equal((await disable({ password: ADMIN_PASSWORD, code: await totp(secret) })).status, 204);
      assert.equal(((await adminRequest(server, 'GET', '/auth/session', signedIn)).body!.account as { mfaEnabled: boolean }).mfaEnabled, false);
      const { rows } = await server.db.query<{ c: unknown; codes: number }>(
        'SELECT mfa_ciphertext AS c, (SELECT count(*)::int FROM mfa_recovery_codes WHERE account_id = a.id) AS codes FROM accounts a WHERE id = $1',
        [admin.accountId],
      );
      assert.deepEqual(rows[0], { c: null, codes: 0 });
      const plain = await adminRequest(server, 'POST', '/auth/sign-in', { body: { email: admin.email, password: ADMIN_PASSWORD } });
      assert.ok(plain.body!.account, 'a password alone signs in again');
      assert.equal(errorCode(await disable({ password: ADMIN_PASSWORD, code: await totp(secret) })), 'mfa_not_enabled');
      assert.ok((await actions(admin.accountId)).includes('auth.mfa_disabled'));
    });

    test('a workspace that requires MFA refuses a member without it and admits them once enrolled', async () => {
      const owner = await newAdmin(server, 'Owner');
      const workspaceId = (await newWorkspace(owner, 'Strict')).id;
      const member = await addMember(server, mailer, owner, workspaceId, 'viewer');
      const ownerMfa = await enrol(owner);
      await forgetLastStep(owner.accountId);
      const done = await verify(await signInPending(owner.email), await totp(ownerMfa.secret));
      const ownerSession = { token: COOKIE.exec(done.headers.getSetCookie()[0] ?? '')![1]!, csrf: done.body!.csrfToken as string };
      const patched = await adminRequest(server, 'PATCH', `/workspaces/${workspaceId}`, { ...ownerSession, body: { requireMfa: true } });
      assert.equal(patched.status, 200, patched.text);

      const refused = await member.call('GET', `/workspaces/${workspaceId}/members`);
      assert.equal(refused.status, 403);
      assert.equal(errorCode(refused), 'mfa_required');
      assert.equal((await member.call('GET', `/workspaces/${workspaceId}`)).status, 200, 'the workspace itself says why');

      await enrol(member);
      assert.equal((await member.call('GET', `/workspaces/${workspaceId}/members`)).status, 200);
    });

    test('the secret and recovery codes are never stored in plaintext nor logged', async () => {
      assert.ok(secrets.length > 20);
      const tables = ['accounts', 'admin_sessions', 'mfa_recovery_codes', 'platform_audit_events'];
      let dump = '';
      for (const t of tables) dump += (await server.db.query<{ d: string }>(`SELECT coalesce(string_agg(x::text, E'\\n'), '') AS d FROM ${t} x`)).rows[0]!.d;
      assert.ok(dump.length > 1000);
      const logs = server.logs.join('\n');
      for (const s of secrets) {
        const plain = s.replaceAll('-', '');
        for (const form of [s, plain, Buffer.from(s).toString('hex'), Buffer.from(plain).toString('hex')]) {
          assert.ok(!dump.includes(form), 'not in the database');
          assert.ok(!logs.includes(form), 'not in the logs');
        }
      }
    });
  });
}
