import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runBackup, type BackupResult } from '../../scripts/backup/backup.js';
import { fingerprints } from '../../scripts/backup/manifest.js';
import { asOwner } from '../../scripts/backup/owner.js';
import { runRestore } from '../../scripts/backup/restore.js';
import { generateSigningKeyPair, parseSigningKey, parseVerifyKey } from '../../scripts/backup/signing.js';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { loadConfig, runtimeUrlFor, type Config } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { mistralEmbedder, type Embedder } from '../../server/knowledge/embed/mistral-embed.js';
import { indexDocument } from '../../server/knowledge/index-document.js';
import { upsertDocument } from '../../server/knowledge/knowledge-documents.repo.js';
import { searchKnowledge } from '../../server/knowledge/knowledge-search.js';
import { createSource } from '../../server/knowledge/knowledge.repo.js';
import { vectorSupport } from '../../server/knowledge/vector-schema.js';
import { createLogger } from '../../server/logging.js';
import { startServer } from '../../server/server.js';
import { createTestDatabase, databaseKinds, databaseUrl, testDatabaseName, withClient, type TestDatabase } from '../support/databases.js';
import { ARTICLES, asChunks, QUESTIONS } from '../support/knowledge-help-centre.js';
import { seedWorkspace } from '../support/seed.js';
import { testEnv } from '../support/test-server.js';

const KEY = 'test-key-0123456789abcdef';
let dir: string;
let identityFile: string;
let recipient: string;
let keys: ReturnType<typeof generateSigningKeyPair>;
let fake: FakeMistral;
let embedder: Embedder;
const databases: TestDatabase[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-knowledge-backup-'));
  const identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  identityFile = join(dir, 'identity.txt');
  writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
  keys = generateSigningKeyPair();
  fake = await startFakeMistral();
  embedder = mistralEmbedder({ serverUrl: fake.url, initialDelayMs: 1, maxAttempts: 2 });
});
after(async () => {
  for (const db of databases) await db.drop();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A workspace with the help centre indexed (embedded when the database has pgvector); returns its id. */
async function loadHelpCentre(database: Config['database']): Promise<string> {
  const db = await openDatabase(database);
  try {
    const ws = (await seedWorkspace(db)).id;
    const source = await createSource(db, ws, { kind: 'url', title: 'Help', url: 'https://help.example/' });
    const doc = await upsertDocument(db, ws, source.id, { url: 'https://help.example/page' });
    await indexDocument({ db, embedder, apiKey: KEY }, { workspaceId: ws, sourceId: source.id, documentId: doc.id, chunks: asChunks(ARTICLES) });
    return ws;
  } finally {
    await db.close();
  }
}

const backupOf = (database: Config['database'], name: string) =>
  runBackup({ database, remote: `:local:${join(dir, name)}`, recipients: [recipient], retentionDays: 30, signingKey: parseSigningKey(keys.signingKey) });
const restore = (database: Config['database'], backup: BackupResult) => runRestore({ database, source: backup.path, identityFile, verifyKey: parseVerifyKey(keys.verifyKey) });
const embeddings = (database: Config['database']) =>
  asOwner(database, async (q) => (await q.query<{ id: string; e: string | null }>('SELECT id, embedding::text AS e FROM knowledge_chunks ORDER BY id')).rows);

async function fresh(kind: TestDatabase['kind']): Promise<TestDatabase> {
  const db = await createTestDatabase(kind);
  databases.push(db);
  return db;
}

for (const kind of databaseKinds) {
  describe(`knowledge in backups on ${kind}`, () => {
    test('a backup holds the sources, documents, files, chunks and embeddings; the restore checks them and search works again', async () => {
      const source = await fresh(kind);
      const ws = await loadHelpCentre(source.config);
      const expected = await asOwner(source.config, fingerprints);
      const stored = await embeddings(source.config);
      assert.ok(stored.length > ARTICLES.length && stored.filter((r) => r.e !== null).length === ARTICLES.length);

      const backup = await backupOf(source.config, `plain-${kind}`);
      const target = await fresh(kind);
      const result = await restore(target.config, backup);
      assert.equal(result.rows.knowledge_chunks, ARTICLES.length + 1);
      assert.equal(result.rows.knowledge_files, 1);
      assert.deepEqual(await asOwner(target.config, fingerprints), expected);
      assert.deepEqual(await embeddings(target.config), stored, 'every vector, exactly');

      const db = await openDatabase(target.config);
      try {
        assert.equal((await vectorSupport(db)).available, true);
        const [question, answer] = QUESTIONS[1]!;
        const { passages, mode } = await searchKnowledge({ db, embedder }, { workspaceId: ws, question, apiKey: KEY });
        assert.equal(mode, 'hybrid');
        assert.equal(passages[0]!.headingPath, ARTICLES[answer]!.headingPath);
        assert.ok(passages[0]!.vectorRank !== undefined && passages[0]!.textRank !== undefined);
      } finally {
        await db.close();
      }
    });
  });
}

// A PostgreSQL where Parley may not create pgvector: the database's owner is no superuser,
// and pgvector is not a trusted extension. This is how many managed servers behave until
// the extension is allow-listed.
describe('a PostgreSQL database where pgvector cannot be created', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL' }, () => {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const role = `parley_nosuper_${randomBytes(4).toString('hex')}`;
  const name = testDatabaseName('novec_');
  let config: Config['database'];

  before(async () => {
    // BYPASSRLS: the backup and restore scripts read and load every tenant's rows.
    await withClient(adminUrl, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS`);
      await c.query(`CREATE DATABASE ${name} OWNER ${role}`);
    });
    const url = new URL(databaseUrl(adminUrl, name));
    url.username = role;
    config = { kind: 'postgres', ownerUrl: url.toString(), runtimeUrl: runtimeUrlFor(url.toString()), poolSize: 4 };
  });
  after(async () => {
    await withClient(adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
  });

  test('the server starts, says in its log what is missing, and stores and finds knowledge by full text', async () => {
    const logs: string[] = [];
    const running = await startServer({ ...loadConfig(testEnv()), database: config }, createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } }));
    try {
      assert.equal((await fetch(`${running.url}/healthz`)).status, 200);
      const warning = logs.map((l) => JSON.parse(l) as { level: string; msg: string }).find((l) => l.msg.startsWith('knowledge search: pgvector'));
      assert.ok(warning, logs.join(''));
      assert.equal(warning.level, 'warn');
      assert.match(warning.msg, /pgvector 0\.8\.\d+ is installed on the server, but Parley could not create the extension in this database: run CREATE EXTENSION vector; in it as a superuser and restart Parley; until then knowledge search uses full text only$/);

      const db = running.db;
      const support = await vectorSupport(db);
      assert.equal(support.available, false);
      const sent = fake.embeddings.requests.length;
      const ws = (await seedWorkspace(db)).id;
      const source = await createSource(db, ws, { kind: 'text', title: 'Help', text: 'x' });
      const doc = await upsertDocument(db, ws, source.id, { url: null });
      const indexed = await indexDocument({ db, embedder, apiKey: KEY }, { workspaceId: ws, sourceId: source.id, documentId: doc.id, chunks: asChunks(ARTICLES) });
      assert.equal(indexed.withoutEmbedding, ARTICLES.length);
      assert.equal(fake.embeddings.requests.length, sent, 'nothing is embedded that could not be stored');
      const [question, answer] = QUESTIONS[3]!;
      const found = await searchKnowledge({ db, embedder }, { workspaceId: ws, question, apiKey: KEY });
      assert.equal(found.mode, 'text');
      assert.equal(found.passages[0]!.headingPath, ARTICLES[answer]!.headingPath);
    } finally {
      await running.close();
    }
  });

  test('its backup restores into a database with pgvector, chunks without embeddings; a backup with embeddings is refused here', async () => {
    const backup = await backupOf(config, 'novec');
    const expected = await asOwner(config, fingerprints);
    const target = await fresh('postgres');
    await restore(target.config, backup);
    assert.deepEqual(await asOwner(target.config, fingerprints), expected);
    assert.ok((await embeddings(target.config)).every((r) => r.e === null));

    const withVectors = await fresh('postgres');
    await loadHelpCentre(withVectors.config);
    const vectorBackup = await backupOf(withVectors.config, 'vec');
    const before = await asOwner(config, fingerprints);
    await assert.rejects(
      runRestore({ database: config, source: vectorBackup.path, identityFile, verifyKey: parseVerifyKey(keys.verifyKey), force: true }),
      /the backup has embeddings \(knowledge_chunks\.embedding\), but this database has no pgvector to hold them: install pgvector/,
    );
    assert.deepEqual(await asOwner(config, fingerprints), before, 'rolled back');
  });
});
