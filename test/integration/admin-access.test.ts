// Every route under /api/admin/workspaces/:workspaceId, walked from the route table the
// server mounts: a member of another workspace gets 404, every role below the route's
// gets 403, and neither changes anything. New admin features are covered by adding
// their routes to adminWorkspaceRoutes(); nothing here needs to change.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { adminWorkspaceRoutes } from '../../server/admin.js';
import type { AdminFeatureDeps } from '../../server/workspaces/workspace-routes.js';
import { ROLES, atLeast, type Role } from '../../server/workspaces/roles.js';
import { ADMIN_TEST_OPTIONS, addMember, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { ownerQuery } from '../support/owner-query.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Only method, path and role are read; no handler runs.
const ROUTES = adminWorkspaceRoutes({} as AdminFeatureDeps);

for (const kind of databaseKinds) {
  describe(`admin routes check membership and role (${kind})`, () => {
    const mailer = memoryMailer();
    let server: TestServer;
    let owner: AdminClient;
    let workspaceId: string;
    const byRole = new Map<Role, AdminClient>();
    let outsider: AdminClient;

    before(async () => {
      server = await startTestServer(kind, {}, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer } });
      owner = await newAdmin(server, 'Owner');
      workspaceId = (await newWorkspace(owner, 'Guarded')).id;
      byRole.set('owner', owner);
      for (const role of ['admin', 'member', 'viewer'] as const) byRole.set(role, await addMember(server, mailer, owner, workspaceId, role));
      // The owner of a workspace of their own: membership elsewhere grants nothing here.
      outsider = await newAdmin(server, 'Outsider');
      await newWorkspace(outsider, 'Elsewhere');
    });
    after(() => server?.stop());

    // Read as the owner, past row security: on PostgreSQL server.db is the runtime role.
    const snapshot = async () => {
      const tables = ['workspaces', 'memberships', 'invitations', 'widget_settings', 'provider_keys', 'api_keys', 'conversations', 'messages', 'visitors', 'audit_events'];
      const counts: Record<string, unknown> = {};
      for (const t of tables) counts[t] = (await ownerQuery(server, `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${t} x`)).rows[0];
      assert.ok((counts.memberships as { n: number }).n >= 5, 'the snapshot sees the rows it guards');
      return counts;
    };

    const urlOf = (path: string) => `/workspaces/${workspaceId}${path.replace(/:(\w+)/g, () => randomUUID())}`;

    test('the route table is not empty and names a role for every route', () => {
      assert.ok(ROUTES.length >= 9, `${ROUTES.length} routes`);
      for (const route of ROUTES) assert.ok(ROLES.includes(route.role), `${route.method} ${route.path}`);
    });

    test('a member of another workspace gets 404 on every route, and nothing changes', async () => {
      const before = await snapshot();
      for (const route of ROUTES) {
        const res = await outsider.call(route.method.toUpperCase(), urlOf(route.path), route.method === 'get' ? undefined : {});
        assert.equal(res.status, 404, `${route.method} ${route.path}: ${res.text}`);
        assert.equal(errorCode(res), 'workspace_not_found');
      }
      assert.deepEqual(await snapshot(), before);
    });

    test('every role below a route\'s gets 403, and nothing changes', async () => {
      const before = await snapshot();
      let refused = 0;
      for (const route of ROUTES) {
        for (const role of ROLES.filter((r) => !atLeast(r, route.role))) {
          const res = await byRole.get(role)!.call(route.method.toUpperCase(), urlOf(route.path), route.method === 'get' ? undefined : {});
          assert.equal(res.status, 403, `${role} on ${route.method} ${route.path}: ${res.text}`);
          assert.equal(errorCode(res), 'forbidden');
          refused++;
        }
      }
      assert.ok(refused > 0);
      assert.deepEqual(await snapshot(), before);
    });

    test('signed out, every route is 401', async () => {
      for (const route of ROUTES) {
        const res = await fetch(`${server.url}/api/admin${urlOf(route.path)}`, { method: route.method.toUpperCase(), headers: { origin: server.url } });
        assert.equal(res.status, 401, `${route.method} ${route.path}`);
      }
    });

    test('a malformed workspace id is the same 404', async () => {
      const res = await owner.call('GET', '/workspaces/not-a-uuid');
      assert.equal(res.status, 404);
      assert.equal(errorCode(res), 'workspace_not_found');
    });
  });
}
