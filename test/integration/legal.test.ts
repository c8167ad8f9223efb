import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { legalConfig } from '../../server/legal/legal-config.js';
import { loadLegalDocuments } from '../../server/legal/legal.service.js';
import { ADMIN_TEST_OPTIONS, newAdmin, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const OPERATOR = { LEGAL_OPERATOR_NAME: 'Example Hosting "Parley" GmbH', LEGAL_OPERATOR_CONTACT: 'privacy@operator.example', LEGAL_HOSTING_PROVIDER: 'Hetzner Online GmbH', LEGAL_HOSTING_LOCATION: 'Germany (EU)' };

for (const kind of databaseKinds) {
  describe(`legal pages (${kind})`, () => {
    let server: TestServer;
    let admin: AdminClient;
    before(async () => {
      server = await startTestServer(kind, OPERATOR, { adminAuth: ADMIN_TEST_OPTIONS });
      admin = await newAdmin(server);
    });
    after(() => server?.stop());

    test('TOMs and DPA are for signed-in accounts only', async () => {
      for (const path of ['/legal/toms', '/legal/dpa']) {
        const res = await fetch(`${server.url}/api/admin${path}`, { headers: { origin: server.url } });
        assert.equal(res.status, 401, path);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthenticated');
      }
    });

    test('signed in: {title, markdown} with the operator\'s details filled in and no placeholder left', async () => {
      const toms = await admin.call('GET', '/legal/toms');
      assert.equal(toms.status, 200, toms.text);
      assert.equal(toms.body!.title, 'Technical and organisational measures');
      const dpa = await admin.call('GET', '/legal/dpa');
      assert.equal(dpa.body!.title, 'Data processing agreement');
      for (const doc of [toms, dpa]) {
        const markdown = doc.body!.markdown as string;
        for (const value of Object.values(OPERATOR)) assert.ok(markdown.includes(value), value);
        assert.doesNotMatch(markdown, /\{\{|\}\}|is not set\]/);
      }
      const tomsText = toms.body!.markdown as string;
      for (const fact of ['row-level security', 'AES-256-GCM', 'encrypted with [age]', '365 days']) assert.ok(tomsText.includes(fact), fact);
      assert.match(dpa.body!.markdown as string, /Mistral AI SAS \(France\)/);
    });

    test('GET /subprocessors is a public HTML page under the strict CSP, with no inline script or style', async () => {
      const res = await fetch(`${server.url}/subprocessors`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/html/);
      const csp = res.headers.get('content-security-policy')!;
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /style-src 'self'/);
      const html = await res.text();
      assert.doesNotMatch(html, /<script|<style|style=|\son\w+=/i);
      assert.ok(html.includes('Mistral AI SAS'));
      assert.ok(html.includes('Hetzner Online GmbH'));
      // Escaped, not injected.
      assert.ok(html.includes('Example Hosting &quot;Parley&quot; GmbH'));
    });

    test('/settings/legal/toms and /settings/legal/dpa, the addresses on security pages, lead to the panel\'s legal pages', async () => {
      for (const doc of ['toms', 'dpa']) {
        const res = await fetch(`${server.url}/settings/legal/${doc}`, { redirect: 'manual' });
        assert.equal(res.status, 302, doc);
        assert.equal(res.headers.get('location'), `/admin/legal/${doc}`);
        // Followed, it is the panel's page, which shows the document once signed in.
        const page = await fetch(new URL(res.headers.get('location')!, server.url));
        assert.equal(page.status, 200, doc);
        assert.match(page.headers.get('content-type')!, /^text\/html/);
      }
      assert.equal((await fetch(`${server.url}/settings/legal/other`, { redirect: 'manual' })).status, 404);
    });

    test('GET /api/subprocessors is the same list as JSON', async () => {
      const res = await fetch(`${server.url}/api/subprocessors`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { operator: { name: string; contact: string }; subprocessors: { name: string; legalEntity: string; location: string; purpose: string; data: string }[] };
      assert.deepEqual(body.operator, { name: OPERATOR.LEGAL_OPERATOR_NAME, contact: OPERATOR.LEGAL_OPERATOR_CONTACT });
      const mistral = body.subprocessors.find((s) => s.legalEntity === 'Mistral AI SAS')!;
      assert.equal(mistral.location, 'France');
      assert.match(mistral.purpose, /replies/);
      assert.match(mistral.data, /[Cc]onversation content/);
      const hosting = body.subprocessors.find((s) => s.name === OPERATOR.LEGAL_HOSTING_PROVIDER)!;
      assert.equal(hosting.location, OPERATOR.LEGAL_HOSTING_LOCATION);
    });
  });
}

describe('LEGAL_DIR overrides the built-in documents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-legal-'));
  let server: TestServer;
  before(async () => {
    writeFileSync(join(dir, 'toms.md'), '# Our measures\n\nRun by {{operatorName}}.\n');
    writeFileSync(join(dir, 'subprocessors.json'), JSON.stringify({ subprocessors: [{ name: 'Acme Cloud', legalEntity: 'Acme Cloud SE', location: '{{hostingLocation}}', purpose: 'Hosting', data: 'Everything', when: 'Always' }] }));
    server = await startTestServer('pglite', { ...OPERATOR, LEGAL_DIR: dir }, { adminAuth: ADMIN_TEST_OPTIONS });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('files present replace the built-ins (placeholders still filled); a missing file falls back', async () => {
    const admin = await newAdmin(server);
    const toms = await admin.call('GET', '/legal/toms');
    assert.deepEqual(toms.body, { title: 'Our measures', markdown: `# Our measures\n\nRun by ${OPERATOR.LEGAL_OPERATOR_NAME}.\n` });
    assert.equal((await admin.call('GET', '/legal/dpa')).body!.title, 'Data processing agreement');
    const list = (await (await fetch(`${server.url}/api/subprocessors`)).json()) as { subprocessors: { name: string; location: string }[] };
    assert.deepEqual(list.subprocessors.map((s) => [s.name, s.location]), [['Acme Cloud', 'Germany (EU)']]);
    assert.match(await (await fetch(`${server.url}/subprocessors`)).text(), /Acme Cloud SE/);
  });

  test('the TOMs state the audit log periods configured (AUDIT_IP_TRUNCATE_DAYS, AUDIT_RETENTION_DAYS), Parley\'s defaults otherwise', () => {
    const defaults = loadLegalDocuments(legalConfig({})).toms.markdown;
    assert.match(defaults, /after 30 days, IP addresses in the audit logs are shortened to their network \(IPv4 to \/24, IPv6 to \/48\)/);
    assert.match(defaults, /after 365 days audit entries are deleted/);
    const set = loadLegalDocuments(legalConfig({ AUDIT_IP_TRUNCATE_DAYS: 14, AUDIT_RETENTION_DAYS: 730 })).toms.markdown;
    assert.match(set, /after 14 days, IP addresses/);
    assert.match(set, /after 730 days audit entries are deleted/);
  });

  test('unset operator values stay visible; a bad LEGAL_DIR or sub-processor file stops the start with the file named', () => {
    const docs = loadLegalDocuments(legalConfig({}));
    assert.match(docs.toms.markdown, /\[LEGAL_OPERATOR_NAME is not set\]/);
    assert.throws(() => loadLegalDocuments(legalConfig({ LEGAL_DIR: join(dir, 'missing') })), /LEGAL_DIR: .*missing is not a directory/);
    const bad = mkdtempSync(join(tmpdir(), 'parley-legal-bad-'));
    try {
      writeFileSync(join(bad, 'subprocessors.json'), JSON.stringify({ subprocessors: [{ name: 'No entity' }] }));
      assert.throws(() => loadLegalDocuments(legalConfig({ LEGAL_DIR: bad })), /subprocessors\.json is not a valid sub-processor list: subprocessors\.0\.legalEntity/);
      writeFileSync(join(bad, 'subprocessors.json'), '{not json');
      assert.throws(() => loadLegalDocuments(legalConfig({ LEGAL_DIR: bad })), /subprocessors\.json is not a valid sub-processor list/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
