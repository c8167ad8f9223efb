// Issue #11, points 7 and 11: sign-up and reset requests answer the same, at the same
// speed, whether or not the address has an account; SIGNUP=open|invite|closed.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { withoutTenant, withTenant } from '../../server/db/tenant.js';
import { ADMIN_PASSWORD, adminRequest, errorCode, newAdmin, signUpToken, type AdminCall } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const OPTIONS = { signInBackoff: { ip: { freeFailures: 10_000 } }, perIpPerHour: 10_000 };
const newEmail = () => `signup-${randomUUID()}@example.test`;
const post = (server: TestServer, path: string, body: unknown) => adminRequest(server, 'POST', path, { body });
/** What a client sees of an answer, but the request id every answer has its own of. */
const seen = (res: AdminCall) => ({ status: res.status, text: res.text, headers: [...res.headers].filter(([name]) => !['date', 'x-request-id'].includes(name)) });

for (const kind of databaseKinds) {
  describe(`sign-up and reset requests reveal no account (${kind})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, {}, { adminAuth: OPTIONS });
    });
    after(() => server?.stop());

    test('both answer before any account is looked up, the same for a real and an unknown address; the mail follows', async () => {
      const existing = (await newAdmin(server)).email;
      const fresh = newEmail();
      const unknown = newEmail();
      const sentBefore = server.outbox.sent.length;
      // Holds the accounts table: any request that looked an account up, hashed or stored something would wait here.
      let release!: () => void;
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const blocker = withoutTenant(server.db, async (q) => {
        await q.query('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
        held();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await holding;
      let answers: AdminCall[];
      try {
        const timed = (path: string, email: string) =>
          adminRequest(server, 'POST', path, { body: { email }, headers: {} }).then((r) => r, (err: unknown) => assert.fail(`${path} waited for the database: ${String(err)}`));
        answers = await Promise.race([
          Promise.all([timed('/auth/sign-up', existing), timed('/auth/sign-up', fresh), timed('/auth/password-reset/request', existing), timed('/auth/password-reset/request', unknown)]),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('an answer waited for the account lookup')), 5_000)),
        ]);
        assert.equal(server.outbox.sent.length, sentBefore, 'nothing mailed yet: the work comes after the answer');
      } finally {
        release();
        await blocker;
      }
      const [signUpExisting, signUpFresh, resetExisting, resetUnknown] = answers.map(seen) as [ReturnType<typeof seen>, ReturnType<typeof seen>, ReturnType<typeof seen>, ReturnType<typeof seen>];
      assert.equal(signUpExisting.status, 202);
      assert.deepEqual(signUpExisting, signUpFresh);
      assert.equal(resetExisting.status, 202);
      assert.deepEqual(resetExisting, resetUnknown);

      assert.match((await server.outbox.waitFor(existing, (m) => m.subject.startsWith('Someone tried'))).text, /already has one/);
      assert.ok(await signUpToken(server.outbox, fresh));
      assert.match((await server.outbox.waitFor(existing, (m) => m.subject === 'Reset your Parley password')).text, /reset-password#token=/);
      assert.equal(server.outbox.lastTo(unknown), undefined);
    });

    test('an address gets at most five sign-up and reset mails an hour, the answer unchanged', async () => {
      const email = newEmail();
      for (let i = 0; i < 7; i++) assert.equal((await post(server, '/auth/sign-up', { email })).status, 202);
      await signUpToken(server.outbox, email);
      // After the answers, the mails: wait until the queue is drained.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(server.outbox.sent.filter((m) => m.to === email).length, 5);
    });
  });

  describe(`SIGNUP=closed (${kind})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, { SIGNUP: 'closed' }, { adminAuth: OPTIONS });
    });
    after(() => server?.stop());

    test('sign-up is 403 signup_closed for every address; the panel is told; sign-in still works', async () => {
      assert.deepEqual((await adminRequest(server, 'GET', '/auth/config')).body, { signup: 'closed' });
      const seeded = await seedWorkspace(server.db);
      const existing = `${seeded.accountId}@example.test`;
      const answers = [await post(server, '/auth/sign-up', { email: existing }), await post(server, '/auth/sign-up', { email: newEmail() })];
      for (const res of answers) {
        assert.equal(res.status, 403);
        assert.equal(errorCode(res), 'signup_closed');
      }
      assert.equal(answers[0]!.text, answers[1]!.text);
      const complete = await post(server, '/auth/sign-up/complete', { token: 'ab'.repeat(32), password: ADMIN_PASSWORD });
      assert.equal(errorCode(complete), 'signup_closed');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(server.outbox.sent.length, 0, 'no mail either');
      assert.equal((await post(server, '/auth/sign-in', { email: existing, password: 'not the password' })).status, 401);
    });
  });

  describe(`SIGNUP=invite (${kind})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, { SIGNUP: 'invite' }, { adminAuth: OPTIONS });
    });
    after(() => server?.stop());

    /** An invitation to email in a seeded workspace; the token as its link carries it. */
    async function invitation(email: string, expiresIn = '1 day'): Promise<string> {
      const { id } = await seedWorkspace(server.db);
      const token = randomBytes(32).toString('hex');
      await withTenant(server.db, id, (q) =>
        q.query(`INSERT INTO invitations (workspace_id, email, role, token_hash, expires_at) VALUES ($1, $2, 'member', $3, now() + $4::interval)`, [
          id, email, createHash('sha256').update(token).digest(), expiresIn,
        ]));
      return token;
    }

    test('sign-up needs an unexpired invitation to that very address, then goes on as usual', async () => {
      assert.deepEqual((await adminRequest(server, 'GET', '/auth/config')).body, { signup: 'invite' });
      const email = newEmail();
      const token = await invitation(email);
      const refusals = [
        await post(server, '/auth/sign-up', { email }),
        await post(server, '/auth/sign-up', { email: newEmail(), invitation: token }),
        await post(server, '/auth/sign-up', { email, invitation: 'ab'.repeat(32) }),
        await post(server, '/auth/sign-up', { email, invitation: await invitation(email, '-1 minute') }),
      ];
      for (const res of refusals) {
        assert.equal(res.status, 403, res.text);
        assert.equal(errorCode(res), 'invitation_required');
      }
      const ok = await post(server, '/auth/sign-up', { email: email.toUpperCase(), invitation: token });
      assert.equal(ok.status, 202, ok.text);
      const done = await post(server, '/auth/sign-up/complete', { token: await signUpToken(server.outbox, email), password: ADMIN_PASSWORD });
      assert.equal(done.status, 201, done.text);
      const again = await post(server, '/auth/sign-up', { email, invitation: token });
      assert.equal(again.status, 202, 'the same answer for the address that now has an account');
      await server.outbox.waitFor(email, (m) => m.subject.startsWith('Someone tried'));
    });
  });
}
