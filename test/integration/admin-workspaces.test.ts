import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTenant } from '../../server/db/tenant.js';
import { ADMIN_TEST_OPTIONS, addMember, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

for (const kind of databaseKinds) {
  describe(`workspaces, members and invitations (${kind})`, () => {
    const mailer = memoryMailer();
    let server: TestServer;

    before(async () => {
      server = await startTestServer(kind, {}, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer } });
    });
    after(() => server?.stop());

    const auditActions = async (workspaceId: string) =>
      (await withTenant(server.db, workspaceId, (q) => q.query<{ action: string; actor_label: string; before: unknown; after: unknown; ip: string | null }>(
        'SELECT action, actor_label, before, after, ip FROM audit_events ORDER BY id',
      ))).rows;

    test('an account creates workspaces, lists only its own, and is their owner', async () => {
      const ada = await newAdmin(server);
      const bob = await newAdmin(server);
      const acme = await newWorkspace(ada, 'Acme');
      await newWorkspace(bob, 'Bobco');
      assert.match(acme.publicId, /^wk_[A-Za-z0-9_-]{16}$/);

      const list = await ada.call('GET', '/workspaces');
      assert.deepEqual(list.body, { workspaces: [{ id: acme.id, publicId: acme.publicId, name: 'Acme', role: 'owner' }] });
      const one = await ada.call('GET', `/workspaces/${acme.id}`);
      assert.equal((one.body!.workspace as { role: string }).role, 'owner');

      const [created] = await auditActions(acme.id);
      assert.equal(created!.action, 'workspace.created');
      assert.equal(created!.actor_label, ada.email);
      assert.equal(created!.ip, '127.0.0.1');
      // Default widget settings come with it, so the widget has something to read.
      const settings = await withTenant(server.db, acme.id, (q) => q.query('SELECT retention_days FROM widget_settings'));
      assert.deepEqual(settings.rows, [{ retention_days: 365 }]);
    });

    test('bad names are refused with the field named, and nothing is created', async () => {
      const ada = await newAdmin(server);
      for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(201) }, { name: 'ok', extra: 1 }]) {
        const res = await ada.call('POST', '/workspaces', body);
        assert.equal(res.status, 400, JSON.stringify(body));
      }
      assert.deepEqual((await ada.call('GET', '/workspaces')).body, { workspaces: [] });
    });

    test('rename is audited with before and after; requireMfa only by an owner', async () => {
      const ada = await newAdmin(server);
      const ws = await newWorkspace(ada, 'Old name');
      const admin = await addMember(server, mailer, ada, ws.id, 'admin');
      const renamed = await admin.call('PATCH', `/workspaces/${ws.id}`, { name: 'New name' });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal((renamed.body!.workspace as { name: string }).name, 'New name');
      const event = (await auditActions(ws.id)).find((e) => e.action === 'workspace.updated');
      assert.deepEqual([event!.before, event!.after], [{ name: 'Old name' }, { name: 'New name' }]);

      const mfa = await admin.call('PATCH', `/workspaces/${ws.id}`, { requireMfa: true });
      assert.equal(mfa.status, 403);
      assert.equal(((await ada.call('GET', `/workspaces/${ws.id}`)).body!.workspace as { requireMfa: boolean }).requireMfa, false);
    });

    test('an invitation is mailed, accepted once with its role, and then gone', async () => {
      const ada = await newAdmin(server);
      const ws = await newWorkspace(ada, 'Invites');
      const carol = await newAdmin(server, 'Carol');
      const invited = await ada.call('POST', `/workspaces/${ws.id}/invitations`, { email: carol.email.toUpperCase(), role: 'member' });
      assert.equal(invited.status, 201, invited.text);
      assert.ok(!invited.text.includes('token'), 'the answer holds no token');
      const mail = mailer.lastTo(carol.email)!;
      assert.match(mail.subject, /Invites/);
      const token = /\/admin\/invitations#token=([0-9a-f]{64})/.exec(mail.text)![1]!;
      const pending = await ada.call('GET', `/workspaces/${ws.id}/invitations`);
      assert.equal((pending.body!.invitations as unknown[]).length, 1);

      // Before accepting, Carol is not a member.
      assert.equal((await carol.call('GET', `/workspaces/${ws.id}`)).status, 404);
      const accepted = await carol.call('POST', '/invitations/accept', { token });
      assert.equal(accepted.status, 200, accepted.text);
      assert.deepEqual(accepted.body, { workspace: { id: ws.id, publicId: ws.publicId, name: 'Invites', role: 'member' } });
      const again = await carol.call('POST', '/invitations/accept', { token });
      assert.equal(again.status, 400);
      assert.equal(errorCode(again), 'invalid_invitation');
      assert.deepEqual((await ada.call('GET', `/workspaces/${ws.id}/invitations`)).body, { invitations: [] });

      const members = (await carol.call('GET', `/workspaces/${ws.id}/members`)).body!.members as { email: string; role: string }[];
      assert.deepEqual(members.map((m) => m.role).sort(), ['member', 'owner']);
      assert.deepEqual(
        (await auditActions(ws.id)).map((e) => e.action),
        ['workspace.created', 'member.invited', 'member.joined'],
      );
      // A member who is already in cannot be invited again.
      const dup = await ada.call('POST', `/workspaces/${ws.id}/invitations`, { email: carol.email, role: 'viewer' });
      assert.equal(dup.status, 409);
    });

    test('a revoked, forged or expired invitation does not work', async () => {
      const ada = await newAdmin(server);
      const ws = await newWorkspace(ada, 'Revoked');
      const dan = await newAdmin(server);
      const invited = await ada.call('POST', `/workspaces/${ws.id}/invitations`, { email: dan.email, role: 'viewer' });
      const token = /#token=([0-9a-f]{64})/.exec(mailer.lastTo(dan.email)!.text)![1]!;
      const revoked = await ada.call('DELETE', `/workspaces/${ws.id}/invitations/${(invited.body!.invitation as { id: string }).id}`);
      assert.equal(revoked.status, 204);
      assert.equal((await dan.call('POST', '/invitations/accept', { token })).status, 400);
      assert.equal((await dan.call('POST', '/invitations/accept', { token: '0'.repeat(64) })).status, 400);
      assert.equal((await dan.call('POST', '/invitations/accept', { token: 'short' })).status, 400);

      await ada.call('POST', `/workspaces/${ws.id}/invitations`, { email: dan.email, role: 'viewer' });
      const late = /#token=([0-9a-f]{64})/.exec(mailer.lastTo(dan.email)!.text)![1]!;
      await withTenant(server.db, ws.id, (q) => q.query("UPDATE invitations SET expires_at = now() - interval '1 second'"));
      assert.equal((await dan.call('POST', '/invitations/accept', { token: late })).status, 400);
      assert.equal((await dan.call('GET', `/workspaces/${ws.id}`)).status, 404);
    });

    test('only owners grant owner; the last owner can neither leave nor be demoted', async () => {
      const ada = await newAdmin(server);
      const ws = await newWorkspace(ada, 'Owners');
      const admin = await addMember(server, mailer, ada, ws.id, 'admin');
      const viewer = await addMember(server, mailer, ada, ws.id, 'viewer');
      const url = (m: AdminClient) => `/workspaces/${ws.id}/members/${m.accountId}`;

      assert.equal((await admin.call('PATCH', url(viewer), { role: 'owner' })).status, 403);
      assert.equal((await admin.call('POST', `/workspaces/${ws.id}/invitations`, { email: 'x@example.test', role: 'owner' })).status, 403);
      assert.equal((await admin.call('PATCH', url(ada), { role: 'viewer' })).status, 403, 'an admin cannot demote an owner');
      assert.equal((await admin.call('DELETE', url(ada))).status, 403, 'an admin cannot remove an owner');

      const demoteSelf = await ada.call('PATCH', url(ada), { role: 'admin' });
      assert.equal(demoteSelf.status, 409);
      assert.equal(errorCode(demoteSelf), 'last_owner');
      assert.equal((await ada.call('DELETE', url(ada))).status, 409);

      const promoted = await admin.call('PATCH', url(viewer), { role: 'member' });
      assert.equal(promoted.status, 200, promoted.text);
      assert.equal((await ada.call('PATCH', url(admin), { role: 'owner' })).status, 200);
      // Two owners now: one may leave.
      assert.equal((await ada.call('DELETE', url(ada))).status, 204);
      assert.equal((await ada.call('GET', `/workspaces/${ws.id}`)).status, 404);
      // Anyone may leave; a viewer cannot remove others.
      assert.equal((await viewer.call('DELETE', url(admin))).status, 403);
      assert.equal((await viewer.call('DELETE', url(viewer))).status, 204);
      const actions = (await auditActions(ws.id)).map((e) => e.action);
      assert.deepEqual(actions.filter((a) => a.startsWith('member.') && a !== 'member.invited' && a !== 'member.joined'), [
        'member.role_changed', 'member.role_changed', 'member.left', 'member.left',
      ]);
    });

    test('a cross-site form post with a valid session cookie changes nothing', async () => {
      const ada = await newAdmin(server);
      const ws = await newWorkspace(ada, 'Targeted');
      const cookie = `__Host-parley_session=${ada.token}`;
      const attempts: { origin?: string; csrf?: boolean; type: string; body: string }[] = [
        // What a form on evil.example would send: its own Origin, a urlencoded body, no CSRF header.
        { origin: 'https://evil.example', type: 'application/x-www-form-urlencoded', body: 'name=Pwned' },
        // Even with the CSRF token (stolen somehow), a foreign Origin is refused.
        { origin: 'https://evil.example', csrf: true, type: 'application/json', body: '{"name":"Pwned"}' },
        // No Origin at all (a stripped header) is refused too.
        { csrf: true, type: 'application/json', body: '{"name":"Pwned"}' },
        // Our Origin without the CSRF token is refused.
        { origin: server.url, type: 'application/json', body: '{"name":"Pwned"}' },
      ];
      for (const a of attempts) {
        const headers: Record<string, string> = { cookie, 'content-type': a.type };
        if (a.origin) headers.origin = a.origin;
        if (a.csrf) headers['x-csrf-token'] = ada.csrf;
        const res = await fetch(`${server.url}/api/admin/workspaces/${ws.id}`, { method: 'PATCH', headers, body: a.body });
        // A form's urlencoded body is refused before anything reads it (415); JSON fails the CSRF checks (403).
        const json = a.type === 'application/json';
        assert.equal(res.status, json ? 403 : 415, JSON.stringify(a));
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, json ? 'csrf_failed' : 'unsupported_media_type');
        const del = await fetch(`${server.url}/api/admin/workspaces/${ws.id}`, { method: 'DELETE', headers, body: a.type === 'application/json' ? '{"confirm":"Targeted"}' : 'confirm=Targeted' });
        assert.equal(del.status, json ? 403 : 415);
      }
      const after = await ada.call('GET', `/workspaces/${ws.id}`);
      assert.equal((after.body!.workspace as { name: string }).name, 'Targeted');
      assert.deepEqual((await auditActions(ws.id)).map((e) => e.action), ['workspace.created']);
    });

    test('deleting a workspace needs its name typed, then removes every row of it in every table', async () => {
      const ada = await newAdmin(server);
      const ws = await newWorkspace(ada, 'Doomed');
      const other = await seedWorkspace(server.db, 'Bystander');
      // Fill every tenant table for this workspace, as the app would.
      const seeded = await seedWorkspace(server.db, 'Doomed too');
      await withTenant(server.db, seeded.id, (q) => q.query("INSERT INTO memberships (workspace_id, account_id, role) VALUES ($1, $2, 'owner')", [seeded.id, ada.accountId]));

      const wrong = await ada.call('DELETE', `/workspaces/${seeded.id}`, { confirm: 'doomed too' });
      assert.equal(wrong.status, 400);
      assert.equal(errorCode(wrong), 'confirmation_mismatch');
      assert.equal((await ada.call('GET', `/workspaces/${seeded.id}`)).status, 200);

      const { rows: tables } = await server.db.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'public' AND column_name IN ('workspace_id') OR (table_schema = 'public' AND table_name = 'workspaces' AND column_name = 'id')`,
      );
      // Counted as that tenant: row security is forced even for the owner on PostgreSQL.
      const countFor = (id: string) =>
        withTenant(server.db, id, async (q) => {
          const counts: Record<string, number> = {};
          for (const t of tables) counts[t.table_name] = (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table_name} WHERE ${t.column_name} = $1`, [id])).rows[0]!.n;
          return counts;
        });
      const beforeCounts = await countFor(seeded.id);
      for (const [table, n] of Object.entries(beforeCounts)) assert.ok(n > 0, `seeded ${table}`);
      const bystander = await countFor(other.id);

      const deleted = await ada.call('DELETE', `/workspaces/${seeded.id}`, { confirm: 'Doomed too' });
      assert.equal(deleted.status, 204, deleted.text);
      for (const [table, n] of Object.entries(await countFor(seeded.id))) assert.equal(n, 0, `${table} holds no row of the deleted workspace`);
      assert.deepEqual(await countFor(other.id), bystander, 'another workspace keeps everything');
      assert.equal((await ada.call('GET', `/workspaces/${ws.id}`)).status, 200);

      const { rows: platform } = await server.db.query<{ actor: string; target: string; details: { rows: Record<string, number> } }>(
        "SELECT actor, target, details FROM platform_audit_events WHERE action = 'workspace.deleted'",
      );
      assert.equal(platform.length, 1);
      assert.equal(platform[0]!.target, `workspace:${seeded.id}`);
      assert.equal(platform[0]!.details.rows.messages, 2);
      assert.ok(!JSON.stringify(platform[0]).includes(ada.email) && !JSON.stringify(platform[0]).includes(ada.accountId), 'no personal data');
    });
  });
}
