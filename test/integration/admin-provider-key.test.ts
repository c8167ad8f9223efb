// BYOK: PUT/GET/DELETE /api/admin/workspaces/:id/provider-key against the local Mistral,
// where the key never shows up again, and `npm run rotate-master-key`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REJECTED_KEY_PREFIX, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { withoutTenant, withTenant } from '../../server/db/tenant.js';
import { generateKeyringText, parseKeyring } from '../../server/keys/keyring.js';
import { replaceSealed, selectPending } from '../../server/keys/rotation.repo.js';
import { rotateMasterKey } from '../../server/keys/rotation.service.js';
import { SEALED_COLUMNS } from '../../server/keys/sealed-columns.js';
import { seal, unseal } from '../../server/keys/seal.js';
import { createLogger } from '../../server/logging.js';
import { mistralProvider } from '../../server/providers/mistral.js';
import { ProviderError } from '../../server/providers/provider.js';
import { startServer } from '../../server/server.js';
import { ADMIN_TEST_OPTIONS, addMember, adminRequest, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminCall, type AdminClient } from '../support/admin.js';
import { runToExit } from '../support/child-server.js';
import { createTestDatabase, databaseKinds, withClient, type TestDatabase } from '../support/databases.js';
import { testEnv, type TestServer } from '../support/test-server.js';
import { allEvents, newVisitor, SITE } from '../support/widget.js';

const ROTATE = ['--import', 'tsx', 'scripts/rotate-master-key.ts'];
const OLD_MASTER = generateKeyringText('m1');
const NEW_MASTER = generateKeyringText('m2');
const TOKEN_KEYS = generateKeyringText('t1');
const mistralKey = () => `sk-test-${randomBytes(16).toString('hex')}`;

describe('checking a key with the real SDK', () => {
  let fake: FakeMistral;
  before(async () => {
    fake = await startFakeMistral();
  });
  after(() => fake?.close());

  test('accepted, refused (401), unreachable and too slow are told apart', async () => {
    const provider = mistralProvider({ serverUrl: fake.url });
    const signal = new AbortController().signal;
    const key = mistralKey();
    await provider.checkKey(key, signal);
    assert.equal(fake.modelRequests.at(-1), `Bearer ${key}`);
    const failure = (p: Promise<void>) => p.then(() => assert.fail('accepted'), (err: unknown) => (assert.ok(err instanceof ProviderError), err));
    assert.equal((await failure(provider.checkKey(`${REJECTED_KEY_PREFIX}${key}`, signal))).kind, 'auth');
    fake.setModelsReply({ hang: true });
    assert.equal((await failure(mistralProvider({ serverUrl: fake.url, checkTimeoutMs: 300 }).checkKey(key, signal))).kind, 'timeout');
    fake.setModelsReply();
    const down = await failure(mistralProvider({ serverUrl: 'http://127.0.0.1:9' }).checkKey(key, signal));
    assert.equal(down.kind, 'unavailable');
    assert.ok(!down.message.includes(key));
  });
});

for (const kind of databaseKinds) {
  describe(`BYOK provider key (${kind})`, () => {
    const mailer = memoryMailer();
    let fake: FakeMistral;
    let database: TestDatabase;
    let server: TestServer;
    let owner: AdminClient;
    let admin: AdminClient;
    let viewer: AdminClient;
    let workspaceId: string;
    let publicId: string;
    /** Every admin API answer of this file, to search for keys. */
    const answers: AdminCall[] = [];

    /** A server on this file's database, as an operator restarts one with a new MASTER_KEYS. */
    const serve = async (masterKeys: string): Promise<TestServer> => {
      const config = { ...loadConfig(testEnv({ MASTER_KEYS: masterKeys, TOKEN_KEYS, MISTRAL_SERVER_URL: fake.url })), database: database.config };
      const logs: string[] = [];
      const logger = createLogger({ level: config.logLevel, secrets: config.secrets, destination: { write: (line: string) => void logs.push(line) } });
      const db = await openDatabase(database.config);
      const running = await startServer(config, logger, { db, adminAuth: { ...ADMIN_TEST_OPTIONS, mailer } });
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        await running.close(1_000);
        await db.close();
      };
      return { ...running, config, database, logs, outbox: mailer, stop };
    };
    /** The same signed-in account against whichever server runs now; every answer is kept. */
    const as = (client: AdminClient) => async (method: string, path: string, body?: unknown) => {
      const res = await adminRequest(server, method, `/workspaces/${workspaceId}${path}`, { body, token: client.token, csrf: client.csrf });
      answers.push(res);
      return res;
    };
    const auditOf = (id = workspaceId) =>
      withTenant(server.db, id, async (q) =>
        (await q.query<{ action: string; before: unknown; after: unknown }>("SELECT action, before, after FROM audit_events WHERE action LIKE 'provider_key.%' ORDER BY id")).rows);
    const storedRows = (id = workspaceId) =>
      withTenant(server.db, id, async (q) => (await q.query<{ key_id: string; last4: string }>('SELECT key_id, last4 FROM provider_keys')).rows);

    before(async () => {
      fake = await startFakeMistral();
      database = await createTestDatabase(kind, { migrated: true });
      server = await serve(OLD_MASTER);
      owner = await newAdmin(server, 'Owner');
      ({ id: workspaceId, publicId } = await newWorkspace(owner, 'Byok'));
      admin = await addMember(server, mailer, owner, workspaceId, 'admin');
      viewer = await addMember(server, mailer, owner, workspaceId, 'viewer');
    });
    after(async () => {
      await server?.stop();
      await database?.drop();
      await fake?.close();
    });

    const key1 = mistralKey();
    const key2 = mistralKey();

    test('an admin sets a key Mistral accepts; members and viewers see only provider, last4 and updatedAt', async () => {
      // This server has no MISTRAL_API_KEY: the panel says the chat needs a key of the workspace's own.
      assert.deepEqual((await as(viewer)('GET', '/provider-key')).body, { key: null, operatorKey: 'none' });
      const put = await as(admin)('PUT', '/provider-key', { apiKey: `  ${key1}\n` });
      assert.equal(put.status, 200, put.text);
      assert.equal(fake.modelRequests.at(-1), `Bearer ${key1}`, 'checked with Mistral, trimmed');
      const key = (put.body!.key as Record<string, unknown>);
      assert.deepEqual(Object.keys(key).sort(), ['last4', 'provider', 'updatedAt']);
      assert.equal(key.provider, 'mistral');
      assert.equal(key.last4, key1.slice(-4));
      assert.deepEqual((await as(viewer)('GET', '/provider-key')).body, { key, operatorKey: 'none' });
      assert.deepEqual(await storedRows(), [{ key_id: 'm1', last4: key1.slice(-4) }]);
      assert.deepEqual(await auditOf(), [{ action: 'provider_key.set', before: null, after: { last4: key1.slice(-4) } }]);
      const denied = await as(viewer)('PUT', '/provider-key', { apiKey: mistralKey() });
      assert.equal(denied.status, 403);
    });

    test('a key Mistral refuses is 400 provider_key_rejected; Mistral down is 502 provider_unreachable, rate limited 503; none stores anything', async () => {
      const before = { rows: await storedRows(), audit: await auditOf() };
      const rejected = await as(admin)('PUT', '/provider-key', { apiKey: `${REJECTED_KEY_PREFIX}${mistralKey()}` });
      assert.equal(rejected.status, 400, rejected.text);
      assert.equal(errorCode(rejected), 'provider_key_rejected');
      assert.match((rejected.body!.error as { message: string }).message, /^Mistral rejected this key/);
      for (const reply of [{ status: 503 }, { status: 500 }]) {
        fake.setModelsReply(reply);
        const down = await as(admin)('PUT', '/provider-key', { apiKey: mistralKey() });
        assert.equal(down.status, 502, down.text);
        assert.equal(errorCode(down), 'provider_unreachable');
      }
      // A key Mistral is rate limiting may be fine: said as such, not as "rejected" or "down".
      fake.setModelsReply({ status: 429 });
      const busy = await as(admin)('PUT', '/provider-key', { apiKey: mistralKey() });
      assert.equal(busy.status, 503, busy.text);
      assert.equal(errorCode(busy), 'provider_rate_limited');
      fake.setModelsReply();
      assert.deepEqual({ rows: await storedRows(), audit: await auditOf() }, before);
    });

    test('malformed keys are 400 invalid_body, not sent to Mistral, and change nothing', async () => {
      const before = { rows: await storedRows(), audit: await auditOf(), checks: fake.modelRequests.length };
      const bad: unknown[] = [{}, { apiKey: 42 }, { apiKey: 'short-key' }, { apiKey: 'x'.repeat(201) }, { apiKey: `${mistralKey()} ${mistralKey()}` },
        { apiKey: `${mistralKey()}é` }, { apiKey: `${mistralKey()}\u0000` }, { apiKey: mistralKey(), extra: true }, []];
      for (const body of bad) {
        const res = await as(admin)('PUT', '/provider-key', body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(errorCode(res), 'invalid_body');
      }
      assert.deepEqual({ rows: await storedRows(), audit: await auditOf(), checks: fake.modelRequests.length }, before);
    });

    test('replacing and removing are audited with last4 only; removing twice is harmless', async () => {
      const put = await as(admin)('PUT', '/provider-key', { apiKey: key2 });
      assert.equal(put.status, 200, put.text);
      assert.equal((put.body!.key as { last4: string }).last4, key2.slice(-4));
      const del = await as(admin)('DELETE', '/provider-key');
      assert.equal(del.status, 204, del.text);
      assert.deepEqual((await as(viewer)('GET', '/provider-key')).body, { key: null, operatorKey: 'none' });
      assert.equal((await as(admin)('DELETE', '/provider-key')).status, 204);
      assert.deepEqual(await storedRows(), []);
      assert.deepEqual((await auditOf()).slice(1), [
        { action: 'provider_key.replaced', before: { last4: key1.slice(-4) }, after: { last4: key2.slice(-4) } },
        { action: 'provider_key.removed', before: { last4: key2.slice(-4) }, after: null },
      ]);
      assert.equal((await as(admin)('PUT', '/provider-key', { apiKey: key1 })).status, 200);
    });

    test('no answer, log line or database column holds a key', async () => {
      const dump = await databaseDump(database, server);
      const logs = server.logs.join('');
      for (const key of [key1, key2]) {
        for (const res of answers) assert.ok(!res.text.includes(key) && ![...res.headers.values()].some((v) => v.includes(key)));
        assert.ok(!logs.includes(key), 'not in the log');
        for (const form of [key, Buffer.from(key).toString('hex'), Buffer.from(key).toString('base64')]) assert.ok(!dump.includes(form), 'not in the database');
      }
      assert.ok(dump.includes(key1.slice(-4)), 'the dump did read provider_keys');
    });

    test('rotate-master-key re-seals every secret under the new key, resumably, and the widget still uses the key', async () => {
      // A second workspace with a key, and an account's MFA secret (migration 0006).
      const other = await newWorkspace(owner, 'Other');
      const otherKey = mistralKey();
      assert.equal((await adminRequest(server, 'PUT', `/workspaces/${other.id}/provider-key`, { body: { apiKey: otherKey }, token: owner.token, csrf: owner.csrf })).status, 200);
      const totp = 'JBSWY3DPEHPK3PXPJBSWY3DP';
      const mfa = seal(parseKeyring(OLD_MASTER), `mfa-totp:${viewer.accountId}`, totp);
      await withoutTenant(server.db, (q) => q.query('UPDATE accounts SET mfa_key_id = $2, mfa_nonce = $3, mfa_ciphertext = $4 WHERE id = $1', [viewer.accountId, mfa.keyId, mfa.nonce, mfa.ciphertext]));
      const updatedAt = ((await as(viewer)('GET', '/provider-key')).body!.key as { updatedAt: string }).updatedAt;

      // The operator puts the new key first (active), keeps the old one, restarts, and
      // runs the script: beside the server on PostgreSQL; with it stopped on the embedded
      // database, which one process at a time may open.
      await server.stop();
      const both = `${NEW_MASTER},${OLD_MASTER}`;
      if (kind === 'postgres') server = await serve(both);
      const env = testEnv(kind === 'postgres' ? { MASTER_KEYS: both, TOKEN_KEYS, DATABASE_URL: database.ownerUrl! } : { MASTER_KEYS: both, TOKEN_KEYS, DATA_DIR: dirname((database.config as { dir: string }).dir) });
      const { code, output } = await runToExit(ROTATE, env);
      assert.equal(code, 0, output);
      assert.match(output, /^provider keys: 2 re-sealed, 0 changed meanwhile, 0 failed$/m);
      assert.match(output, /^MFA secrets: 1 re-sealed, 0 changed meanwhile, 0 failed$/m);
      assert.match(output, /^total: 3 re-sealed under "m2", 0 changed meanwhile, 0 failed \(\d+\.\d s\)$/m);
      assert.ok(![key1, otherKey, totp].some((k) => output.includes(k)));

      // Then drops the old key and restarts: everything still opens, and a second run re-seals nothing.
      await server.stop();
      server = await serve(NEW_MASTER);
      const again = await rotateMasterKey(server.db, parseKeyring(NEW_MASTER));
      assert.deepEqual([again.resealed, again.failed], [0, 0]);
      const onlyNew = parseKeyring(NEW_MASTER);
      for (const [id, key] of [[workspaceId, key1], [other.id, otherKey]] as const) {
        const sealed = await withTenant(server.db, id, async (q) => (await q.query<{ keyId: string; nonce: Uint8Array; ciphertext: Uint8Array }>('SELECT key_id AS "keyId", nonce, ciphertext FROM provider_keys')).rows);
        assert.deepEqual(sealed.map((s) => s.keyId), ['m2']);
        assert.equal(unseal(onlyNew, id, sealed[0]!), key);
      }
      const account = await withoutTenant(server.db, async (q) => (await q.query<{ keyId: string; nonce: Uint8Array; ciphertext: Uint8Array }>('SELECT mfa_key_id AS "keyId", mfa_nonce AS nonce, mfa_ciphertext AS ciphertext FROM accounts WHERE id = $1', [viewer.accountId])).rows[0]!);
      assert.equal(unseal(onlyNew, `mfa-totp:${viewer.accountId}`, account), totp);
      assert.deepEqual((await as(viewer)('GET', '/provider-key')).body, { key: { provider: 'mistral', last4: key1.slice(-4), updatedAt }, operatorKey: 'none' });

      const audit = await withoutTenant(server.db, async (q) => (await q.query<{ actor: string; details: { resealed: number } }>("SELECT actor, details FROM platform_audit_events WHERE action = 'master_key.rotated' ORDER BY id")).rows);
      assert.deepEqual(audit.map((a) => [a.actor, a.details.resealed]), [['operator', 3], ['operator', 0]]);

      await withTenant(server.db, workspaceId, (q) => q.query('UPDATE widget_settings SET allowed_origins = $2 WHERE workspace_id = $1', [workspaceId, [SITE]]));
      const visitor = await newVisitor(server.url, publicId);
      const question = `whose key? ${randomBytes(6).toString('hex')}`;
      const reply = await visitor.http.post(`/api/widget/conversations/${visitor.conversationId}/messages`, { content: question }, visitor.token);
      assert.equal((await allEvents(reply)).at(-1)?.event, 'done');
      const request = fake.requests.find((r) => JSON.stringify(r.body.messages).includes(question));
      assert.equal(request?.authorization, `Bearer ${key1}`);
    });

    test('re-sealing never overwrites a key saved after the row was read (compare-and-swap on key id and nonce)', async () => {
      const rotating = parseKeyring(generateKeyringText('m3'));
      const [stale] = await withTenant(server.db, workspaceId, (q) => selectPending(q, SEALED_COLUMNS[0]!, 'm3', null, 10));
      assert.equal(stale?.keyId, 'm2');
      const key3 = mistralKey();
      assert.equal((await as(admin)('PUT', '/provider-key', { apiKey: key3 })).status, 200);
      const swapped = await withTenant(server.db, workspaceId, (q) => replaceSealed(q, SEALED_COLUMNS[0]!, stale!, seal(rotating, workspaceId, key1)));
      assert.equal(swapped, false);
      const [row] = await withTenant(server.db, workspaceId, async (q) => (await q.query<{ keyId: string; nonce: Uint8Array; ciphertext: Uint8Array }>('SELECT key_id AS "keyId", nonce, ciphertext FROM provider_keys')).rows);
      assert.equal(unseal(server.config.masterKeys, workspaceId, row!), key3);
    });
  });
}

/** Every row of every table as text, read as the owner (or PGlite's superuser), so row-level security hides nothing. */
async function databaseDump(database: TestDatabase, server: TestServer): Promise<string> {
  const TABLES = "SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'";
  const read = async (query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>) => {
    const parts: string[] = [];
    for (const { t } of (await query(TABLES)).rows as { t: string }[]) {
      for (const row of (await query(`SELECT x::text AS r FROM ${t} x`)).rows) parts.push(String(row.r));
    }
    return parts.join('\n');
  };
  if (database.kind === 'postgres') return withClient(database.ownerUrl!, (c) => read((sql) => c.query(sql)));
  return read((sql) => server.db.query(sql));
}
