// The workspace audit log: what admins see, paging, filter, export, append-only, isolation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { withTenant } from '../../server/db/tenant.js';
import { ADMIN_PASSWORD, ADMIN_TEST_OPTIONS, addMember, adminRequest, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { ownerQuery } from '../support/owner-query.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface Event {
  id: string;
  actor: { label: string; accountId: string | null };
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  createdAt: string;
}

for (const kind of databaseKinds) {
  describe(`workspace audit log (${kind})`, () => {
    const mailer = memoryMailer();
    let server: TestServer;
    let owner: AdminClient;
    let member: AdminClient;
    let outsider: AdminClient;
    let a: string;
    let b: string;

    before(async () => {
      server = await startTestServer(kind, {}, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer } });
      owner = await newAdmin(server, 'Owner');
      a = (await newWorkspace(owner, 'Acme')).id;
      assert.equal((await owner.call('PATCH', `/workspaces/${a}`, { name: 'Acme Ltd' })).status, 200);
      member = await addMember(server, mailer, owner, a, 'admin');
      assert.equal((await owner.call('PATCH', `/workspaces/${a}/members/${member.accountId}`, { role: 'member' })).status, 200);
      // A member's sign-ins after joining: one good, one with a wrong password.
      assert.equal((await adminRequest(server, 'POST', '/auth/sign-in', { body: { email: member.email, password: ADMIN_PASSWORD } })).status, 200);
      assert.equal((await adminRequest(server, 'POST', '/auth/sign-in', { body: { email: member.email, password: 'wrong password entirely' } })).status, 401);
      // And turns on two-factor authentication.
      const { secret } = (await member.call('POST', '/auth/mfa/setup', {})).body as { secret: string };
      const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) });
      assert.equal((await member.call('POST', '/auth/mfa/enable', { code })).status, 200);
      // Another workspace with its own events and its own owner's sign-ins.
      outsider = await newAdmin(server, 'Outsider');
      b = (await newWorkspace(outsider, 'Elsewhere')).id;
      await outsider.call('PATCH', `/workspaces/${b}`, { name: 'Elsewhere Inc' });
      await addMember(server, mailer, outsider, b, 'viewer');
      await adminRequest(server, 'POST', '/auth/sign-in', { body: { email: outsider.email, password: ADMIN_PASSWORD } });
    });
    after(() => server?.stop());

    const list = async (query = '', client = owner, workspace = a) => {
      const res = await client.call('GET', `/workspaces/${workspace}/audit${query}`);
      assert.equal(res.status, 200, res.text);
      return res.body as { events: Event[]; nextCursor: string | null };
    };

    test('changes appear newest first with actor, action, target, ip, before and after', async () => {
      const { events } = await list('?limit=100');
      const actions = events.map((e) => e.action);
      for (const action of ['workspace.created', 'workspace.updated', 'member.invited', 'member.joined', 'member.role_changed']) assert.ok(actions.includes(action), action);
      const times = events.map((e) => Date.parse(e.createdAt));
      assert.deepEqual(times, [...times].sort((x, y) => y - x), 'newest first');

      const renamed = events.find((e) => e.action === 'workspace.updated')!;
      assert.deepEqual(renamed.actor, { label: owner.email, accountId: owner.accountId });
      assert.deepEqual([renamed.targetType, renamed.targetId], ['workspace', a]);
      assert.deepEqual([renamed.before, renamed.after], [{ name: 'Acme' }, { name: 'Acme Ltd' }]);
      assert.match(renamed.ip ?? '', /127\.0\.0\.1/);

      const role = events.find((e) => e.action === 'member.role_changed')!;
      assert.deepEqual([role.targetId, role.before, role.after], [member.accountId, { role: 'admin' }, { role: 'member' }]);
      const joined = events.find((e) => e.action === 'member.joined')!;
      assert.deepEqual(joined.actor, { label: member.email, accountId: member.accountId });
    });

    test('members\' sign-ins, failed sign-ins and MFA changes since they joined are listed; no one else\'s', async () => {
      const { events } = await list('?action=auth.&limit=100');
      const signIns = events.map((e) => [e.action, e.actor.accountId, e.actor.label]);
      assert.deepEqual(signIns, [
        ['auth.mfa_enabled', member.accountId, member.email],
        ['auth.sign_in_failed', member.accountId, member.email],
        ['auth.sign_in', member.accountId, member.email],
      ]);
      const failed = events[1]!;
      assert.deepEqual(failed.after, { reason: 'wrong_password' });
      assert.match(failed.ip ?? '', /127\.0\.0\.1/);
      assert.deepEqual([failed.targetType, failed.targetId], ['account', member.accountId]);
    });

    test('paging with a keyset cursor walks every event exactly once', async () => {
      const all = (await list('?limit=100')).events.map((e) => e.id);
      assert.ok(all.length >= 7, `${all.length} events`);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { events: Event[]; nextCursor: string | null } = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(page.events.length <= 2);
        seen.push(...page.events.map((e) => e.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, all);
    });

    test('the action filter matches by prefix; bad queries are 400s', async () => {
      const { events } = await list('?action=member.&limit=100');
      assert.ok(events.length >= 3);
      assert.ok(events.every((e) => e.action.startsWith('member.')));
      assert.deepEqual((await list('?action=member.role_changed')).events.map((e) => e.action), ['member.role_changed']);
      for (const query of ['?action=DROP%20TABLE', '?limit=0', '?limit=101', '?cursor=not-a-cursor', '?action=%25']) {
        const res = await owner.call('GET', `/workspaces/${a}/audit${query}`);
        assert.equal(res.status, 400, query);
        assert.match(errorCode(res) ?? '', /^invalid_/);
      }
    });

    test('the export streams JSON Lines as a download and is itself audited', async () => {
      const before = (await list('?limit=100')).events;
      const res = await owner.call('GET', `/workspaces/${a}/audit/export`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="parley-audit-[0-9a-f-]+-\d{4}-\d{2}-\d{2}\.jsonl"$/);
      const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Event);
      assert.equal(lines[0]!.action, 'audit.exported');
      assert.deepEqual(lines[0]!.actor, { label: owner.email, accountId: owner.accountId });
      assert.deepEqual(lines.slice(1), before);
      assert.equal((await list('?action=audit.exported')).events.length, 1);
    });

    test('the runtime role cannot update or delete audit events', async () => {
      const count = async () => (await ownerQuery<{ n: number; h: string }>(server, "SELECT count(*)::int AS n, md5(string_agg(action || coalesce(after::text, ''), ',' ORDER BY id)) AS h FROM audit_events WHERE workspace_id = $1", [a])).rows[0];
      const stored = await count();
      await assert.rejects(withTenant(server.db, a, (q) => q.query("UPDATE audit_events SET action = 'tampered' WHERE workspace_id = $1", [a])), /permission denied/);
      await assert.rejects(withTenant(server.db, a, (q) => q.query('DELETE FROM audit_events WHERE workspace_id = $1', [a])), /permission denied/);
      await assert.rejects(withTenant(server.db, a, (q) => q.query('TRUNCATE audit_events')), /permission denied/);
      assert.deepEqual(await count(), stored);
    });

    test('workspace A\'s log never shows B\'s events, and B\'s admin cannot read A\'s', async () => {
      const events = [...(await list('?limit=100')).events, ...(await list('?limit=100&action=auth.')).events];
      for (const e of events) {
        assert.notEqual(e.targetId, b);
        assert.notEqual(e.actor.accountId, outsider.accountId);
        assert.ok(!JSON.stringify(e).includes('Elsewhere'));
      }
      const bEvents = (await list('?limit=100', outsider, b)).events;
      assert.ok(bEvents.some((e) => e.action === 'workspace.updated'));
      assert.ok(!bEvents.some((e) => e.actor.accountId === owner.accountId || e.actor.accountId === member.accountId));
      assert.equal((await outsider.call('GET', `/workspaces/${a}/audit`)).status, 404);
      assert.equal((await outsider.call('GET', `/workspaces/${a}/audit/export`)).status, 404);
      assert.equal((await member.call('GET', `/workspaces/${a}/audit`)).status, 403, 'a member (below admin) cannot read it');
    });
  });
}
