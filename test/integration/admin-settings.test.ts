import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { embedSnippets, publishWidget, sri } from '../../scripts/publish-widget.js';
import { withTenant } from '../../server/db/tenant.js';
import { setWorkspaceBudget } from '../../server/usage/usage.service.js';
import { readManifest } from '../../server/widget-assets/release-manifest.js';
import { defaultWidgetDir } from '../../server/widget-assets/widget-bundle.js';
import { ADMIN_TEST_OPTIONS, addMember, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// GET/PATCH /workspaces/:id/settings and GET /workspaces/:id/snippets (docs/admin-api.md).
for (const kind of databaseKinds) {
  describe(`widget settings and snippets (${kind})`, () => {
    const mailer = memoryMailer();
    let server: TestServer;
    let owner: AdminClient;
    let admin: AdminClient;
    let member: AdminClient;
    let viewer: AdminClient;
    let workspace: { id: string; publicId: string };
    const settingsPath = () => `/workspaces/${workspace.id}/settings`;
    const settings = async (client = owner) => {
      const res = await client.call('GET', settingsPath());
      assert.equal(res.status, 200, res.text);
      return res.body!.settings as Record<string, unknown>;
    };
    const audit = async () =>
      (await withTenant(server.db, workspace.id, (q) =>
        q.query<{ action: string; actor_label: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }>(
          "SELECT action, actor_label, before, after FROM audit_events WHERE action = 'settings.updated' ORDER BY id",
        ),
      )).rows;
    const widgetConfig = (publicId: string, origin: string) =>
      fetch(`${server.url}/api/widget/config?workspace=${publicId}`, { headers: { origin } });

    before(async () => {
      server = await startTestServer(kind, { MISTRAL_MODEL: 'open-mistral-nemo' }, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer } });
      owner = await newAdmin(server, 'Owner');
      workspace = await newWorkspace(owner, 'Settings');
      admin = await addMember(server, mailer, owner, workspace.id, 'admin');
      member = await addMember(server, mailer, owner, workspace.id, 'member');
      viewer = await addMember(server, mailer, owner, workspace.id, 'viewer');
    });
    after(() => server?.stop());

    test('a new workspace has the defaults', async () => {
      const s = await settings();
      assert.match(String(s.updatedAt), /^\d{4}-\d\d-\d\dT/);
      assert.deepEqual({ ...s, updatedAt: undefined }, {
        allowedOrigins: [], title: 'Chat with us', greeting: 'Hi! How can we help?', color: '#2563eb', position: 'bottom-right',
        systemPrompt: '', model: null, retentionDays: 365, maxReplyTokens: null, updatedAt: undefined,
      });
    });

    test('the settings list the models a workspace may choose, the operator\'s first, and only those are accepted', async () => {
      const res = await viewer.call('GET', settingsPath());
      const models = res.body!.models as { default: string; allowed: string[] };
      assert.equal(models.default, 'open-mistral-nemo');
      assert.equal(models.allowed[0], 'open-mistral-nemo');
      assert.ok(models.allowed.includes('mistral-large-latest'));
      for (const model of [models.allowed.at(-1)!, 'open-mistral-nemo']) {
        const ok = await member.call('PATCH', settingsPath(), { model });
        assert.equal(ok.status, 200, ok.text);
        assert.equal((ok.body!.settings as { model: string }).model, model);
      }
      const refused = await member.call('PATCH', settingsPath(), { model: 'gpt-4o' });
      assert.equal(refused.status, 400);
      assert.equal((await settings()).model, 'open-mistral-nemo');
      assert.equal((await member.call('PATCH', settingsPath(), { model: null })).status, 200);
    });

    test('each field can be changed, is stored, audited with only the changed fields, and the widget sees it at once', async () => {
      const ws = await newWorkspace(owner, 'Fields');
      const path = `/workspaces/${ws.id}/settings`;
      const site = 'https://shop.example';
      assert.equal((await widgetConfig(ws.publicId, site)).status, 403);
      const patch = {
        allowedOrigins: [site], title: 'Ask Acme', greeting: 'Hello there', color: '#FF0000', position: 'bottom-left',
        systemPrompt: 'You are Acme support.', model: 'mistral-large-latest', retentionDays: 30, maxReplyTokens: 512,
      };
      for (const [field, value] of Object.entries(patch)) {
        const res = await owner.call('PATCH', path, { [field]: value });
        assert.equal(res.status, 200, `${field}: ${res.text}`);
      }
      const stored = (await owner.call('GET', path)).body!.settings as Record<string, unknown>;
      assert.deepEqual({ ...stored, updatedAt: undefined }, { ...patch, color: '#ff0000', updatedAt: undefined });

      const config = await widgetConfig(ws.publicId, site);
      assert.equal(config.status, 200);
      const body = (await config.json()) as { title: string; greeting: string; theme: { color: string; position: string; mode: string } };
      assert.equal(body.title, 'Ask Acme');
      assert.equal(body.greeting, 'Hello there');
      assert.deepEqual(body.theme, { color: '#ff0000', position: 'left', mode: 'auto' });

      const rows = (await withTenant(server.db, ws.id, (q) => q.query<{ before: Record<string, unknown>; after: Record<string, unknown>; actor_label: string }>(
        "SELECT before, after, actor_label FROM audit_events WHERE action = 'settings.updated' ORDER BY id",
      ))).rows;
      assert.equal(rows.length, Object.keys(patch).length);
      assert.deepEqual(rows[0], { before: { allowedOrigins: [] }, after: { allowedOrigins: [site] }, actor_label: owner.email });
      assert.deepEqual(rows[5]!.after, { systemPrompt: 'You are Acme support.' });
      assert.deepEqual(rows[6], { before: { model: null }, after: { model: 'mistral-large-latest' }, actor_label: owner.email });

      // Back to the operator's default; the system prompt's before and after are both kept.
      const reset = await owner.call('PATCH', path, { model: null, systemPrompt: 'Be brief.', title: 'Ask Acme' });
      assert.equal(reset.status, 200, reset.text);
      const last = (await withTenant(server.db, ws.id, (q) => q.query<{ before: unknown; after: unknown }>('SELECT before, after FROM audit_events ORDER BY id DESC LIMIT 1'))).rows[0];
      assert.deepEqual(last, { before: { model: 'mistral-large-latest', systemPrompt: 'You are Acme support.' }, after: { model: null, systemPrompt: 'Be brief.' } });

      // Removing the origin refuses the widget on the very next request.
      assert.equal((await owner.call('PATCH', path, { allowedOrigins: [] })).status, 200);
      assert.equal((await widgetConfig(ws.publicId, site)).status, 403);
    });

    test('a patch that changes nothing writes no audit event', async () => {
      await owner.call('PATCH', settingsPath(), { title: 'Same' });
      const count = (await audit()).length;
      const res = await owner.call('PATCH', settingsPath(), { title: 'Same' });
      assert.equal(res.status, 200);
      assert.equal((await audit()).length, count);
    });

    test('bad input is a 400 naming the field, and changes nothing', async () => {
      const before = await settings();
      const auditBefore = (await audit()).length;
      const cases: [unknown, RegExp][] = [
        [{ color: 'red' }, /^color: /],
        [{ color: '#12345' }, /^color: /],
        [{ position: 'top-left' }, /^position: .*bottom-right, bottom-left/],
        [{ title: '' }, /^title: /],
        [{ title: 'x'.repeat(101) }, /^title: /],
        [{ greeting: 'x'.repeat(1001) }, /^greeting: /],
        [{ systemPrompt: 'x'.repeat(20_001) }, /^systemPrompt: .*20000/],
        [{ model: 'gpt-4' }, /^model: .*mistral-small-latest/],
        [{ retentionDays: 0 }, /^retentionDays: /],
        [{ retentionDays: 3651 }, /^retentionDays: /],
        [{ retentionDays: 1.5 }, /^retentionDays: /],
        [{ retentionDays: '30' }, /^retentionDays: /],
        [{ maxReplyTokens: 1025 }, /^maxReplyTokens: must be at most 1024, this server's limit/],
        [{ maxReplyTokens: 0 }, /^maxReplyTokens: /],
        [{ maxReplyTokens: '100' }, /^maxReplyTokens: /],
        [{ allowedOrigins: 'https://a.example' }, /^allowedOrigins: /],
        [{ allowedOrigins: ['https://a.example', 'https://b.example/path'] }, /^allowedOrigins\.1: .*no path/],
        [{ allowedOrigins: ['https://*.example.com', 'https://x.*.example.com'] }, /^allowedOrigins\.1: .*wildcard/],
        [{ allowedOrigins: Array.from({ length: 51 }, (_, i) => `https://s${i}.example`) }, /^allowedOrigins\.50: .*at most 50/],
        [{ title: 'Fine', colour: '#ffffff' }, /colour/],
        [{}, /at least one/],
      ];
      for (const [body, message] of cases) {
        const res = await owner.call('PATCH', settingsPath(), body);
        assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.text.slice(0, 200)}`);
        assert.equal(errorCode(res), 'invalid_body');
        assert.match((res.body!.error as { message: string }).message, message, JSON.stringify(body).slice(0, 80));
      }
      assert.deepEqual(await settings(), before);
      assert.equal((await audit()).length, auditBefore);
    });

    test('origins are normalised and de-duplicated; a *. entry lets subdomains mint widget sessions', async () => {
      const res = await owner.call('PATCH', settingsPath(), {
        allowedOrigins: ['HTTPS://Shop.Example:443/', 'https://shop.example', 'http://localhost:8080', 'https://*.Brand.example'],
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body!.settings as { allowedOrigins: string[] }).allowedOrigins, ['https://shop.example', 'http://localhost:8080', 'https://*.brand.example']);
      const session = (origin: string) =>
        fetch(`${server.url}/api/widget/sessions`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ workspace: workspace.publicId }) });
      assert.equal((await session('https://eu.brand.example')).status, 201);
      assert.equal((await session('https://shop.example')).status, 201);
      for (const refused of ['https://brand.example', 'http://eu.brand.example', 'https://eu.brand.example.evil', 'https://other.shop.example']) {
        assert.equal((await session(refused)).status, 403, refused);
      }
    });

    test('a member changes reply settings but not origins or retention; a viewer only reads', async () => {
      const ok = await member.call('PATCH', settingsPath(), { title: 'By member', greeting: 'Hi', color: '#00aa00', position: 'bottom-right', systemPrompt: 'x', model: null });
      assert.equal(ok.status, 200, ok.text);

      const before = await settings();
      const auditBefore = (await audit()).length;
      for (const body of [{ allowedOrigins: ['https://evil.example'] }, { retentionDays: 1 }, { title: 'Sneaky', retentionDays: 2 }, { maxReplyTokens: 8 }]) {
        const res = await member.call('PATCH', settingsPath(), body);
        assert.equal(res.status, 403, res.text);
        assert.equal(errorCode(res), 'forbidden');
      }
      const refused = await viewer.call('PATCH', settingsPath(), { title: 'By viewer' });
      assert.equal(refused.status, 403);
      assert.deepEqual(await settings(viewer), before);
      assert.equal((await audit()).length, auditBefore);

      const byAdmin = await admin.call('PATCH', settingsPath(), { retentionDays: 90, allowedOrigins: ['https://shop.example'] });
      assert.equal(byAdmin.status, 200, byAdmin.text);
      const last = (await audit()).at(-1)!;
      assert.equal(last.actor_label, admin.email);
      assert.deepEqual(last.after, { allowedOrigins: ['https://shop.example'], retentionDays: 90 });
    });

    test("the longest reply: up to the server's MAX_REPLY_TOKENS, which GET lists; null goes back to it", async () => {
      const res = await viewer.call('GET', settingsPath());
      assert.deepEqual(res.body!.limits, { maxReplyTokens: 1024 });
      const set = await admin.call('PATCH', settingsPath(), { maxReplyTokens: 1024 });
      assert.equal(set.status, 200, set.text);
      assert.equal((await settings()).maxReplyTokens, 1024);
      assert.deepEqual((await audit()).at(-1)!.after, { maxReplyTokens: 1024 });
      assert.equal((await admin.call('PATCH', settingsPath(), { maxReplyTokens: null })).status, 200);
      assert.equal((await settings()).maxReplyTokens, null);
    });

    test("usage: every member sees today's tokens against the budget and whether it is spent, but no route changes the budget", async () => {
      const usage = async () => {
        const res = await viewer.call('GET', `/workspaces/${workspace.id}/usage`);
        assert.equal(res.status, 200, res.text);
        return res.body!.usage as Record<string, unknown>;
      };
      const day = new Date().toISOString().slice(0, 10);
      const fresh = await usage();
      assert.deepEqual({ ...fresh, resetsAt: undefined }, {
        day, promptTokens: 0, completionTokens: 0, totalTokens: 0, budget: 200_000, budgetSource: 'default', exhausted: false,
        resetsAt: undefined, maxReplyTokensCeiling: 1024,
      });
      assert.equal(new Date(String(fresh.resetsAt)).toISOString(), `${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}T00:00:00.000Z`);

      await withTenant(server.db, workspace.id, (q) =>
        q.query('INSERT INTO token_usage (workspace_id, day, prompt_tokens, completion_tokens) VALUES ($1, $2::date, 150, 50)', [workspace.id, day]),
      );
      await setWorkspaceBudget(server.db, workspace.id, 200);
      assert.deepEqual(
        [(await usage()).totalTokens, (await usage()).budget, (await usage()).budgetSource, (await usage()).exhausted],
        [200, 200, 'operator', true],
      );
      const sneaky = await owner.call('PATCH', settingsPath(), { dailyTokenBudget: 1_000_000 });
      assert.equal(sneaky.status, 400, 'the settings API has no budget field');
      assert.equal((await usage()).budget, 200);
      await setWorkspaceBudget(server.db, workspace.id, null);
    });

    test('another workspace\'s owner can neither read nor change these settings', async () => {
      const other = await newAdmin(server, 'Other');
      await newWorkspace(other, 'Theirs');
      const before = await settings();
      assert.equal((await other.call('GET', settingsPath())).status, 404);
      assert.equal((await other.call('PATCH', settingsPath(), { title: 'Mine now' })).status, 404);
      assert.deepEqual(await settings(), before);
    });

    test('snippets: rolling always; pinned from the newest published final version, exactly as npm run release prints it', async () => {
      const path = `/workspaces/${workspace.id}/snippets`;
      const withId = (html: string) => html.replace('PUBLIC_ID', workspace.publicId);
      const none = await viewer.call('GET', path);
      assert.equal(none.status, 200, none.text);
      const rolling = { url: `${server.url}/widget.js`, html: withId(embedSnippets(server.url, '0', 'x').rolling) };
      assert.deepEqual(none.body, { rolling, pinned: null });
      assert.equal(rolling.html, `<script src="${server.url}/widget.js" data-workspace="${workspace.publicId}" async></script>`);

      const releaseDir = server.config.releaseDir;
      publishWidget({ buildDir: defaultWidgetDir(), releaseDir, version: '0.0.9' });
      publishWidget({ buildDir: defaultWidgetDir(), releaseDir, version: '0.0.10' });
      publishWidget({ buildDir: defaultWidgetDir(), releaseDir, version: '0.1.0-rc.1' });
      const pinnedOf = async () => (await viewer.call('GET', path)).body!.pinned as { version: string; url: string; integrity: string; html: string };
      const integrity = readManifest(join(releaseDir, 'widget')).versions['0.0.10']!.integrity;
      assert.deepEqual(await pinnedOf(), {
        version: '0.0.10',
        url: `${server.url}/widget/v0.0.10.js`,
        integrity,
        html: withId(embedSnippets(server.url, '0.0.10', integrity).pinned),
      });
      // The tag's src serves bytes that match its integrity.
      const pinned = await pinnedOf();
      const served = Buffer.from(await (await fetch(pinned.url)).arrayBuffer());
      assert.equal(sri(served), pinned.integrity);

      publishWidget({ buildDir: defaultWidgetDir(), releaseDir, version: '0.1.0' });
      assert.equal((await pinnedOf()).version, '0.1.0');
    });
  });
}
