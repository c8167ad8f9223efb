// Backup and restore of a PostgreSQL database holding 1,000,000 messages (BENCH_BACKUP_MESSAGES
// overrides): the dump's compressed, encrypted size, the seconds `npm run backup` takes to a
// :local: rclone remote, and the seconds `npm run restore` takes into an empty database. These
// are the RPO/RTO inputs in docs/operations.md. Needs BENCH_DATABASE_URL (a role that may
// create databases); the age identity and the signing key are generated for the run and thrown away.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import pg from 'pg';
import { runBackup } from '../scripts/backup/backup.js';
import { formatBytes } from '../scripts/backup/progress.js';
import { runRestore } from '../scripts/backup/restore.js';
import { generateSigningKeyPair, parseSigningKey, parseVerifyKey } from '../scripts/backup/signing.js';
import { runtimeUrlFor, type Config } from '../server/config.js';
import { openDatabase } from '../server/db/open.js';
import { withScratchPostgres } from './scratch-db.js';

const WORKSPACES = 10;
const CONVERSATIONS = 10_000;

/** n messages over WORKSPACES workspaces and CONVERSATIONS conversations, as the owner, in a few statements. */
async function seed(url: string, n: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO workspaces (id, public_id, name)
       SELECT gen_random_uuid(), 'wk_bench_' || lpad(g::text, 4, '0'), 'bench ' || g FROM generate_series(1, ${WORKSPACES}) g`,
    );
    await client.query(
      `WITH w AS (SELECT id, row_number() OVER (ORDER BY public_id) - 1 AS k FROM workspaces),
            v AS (INSERT INTO visitors (workspace_id, secret_hash)
                  SELECT w.id, sha256(int4send(g)) FROM generate_series(0, ${CONVERSATIONS - 1}) g JOIN w ON w.k = g % ${WORKSPACES}
                  RETURNING id, workspace_id)
       INSERT INTO conversations (workspace_id, visitor_id) SELECT workspace_id, id FROM v`,
    );
    await client.query(
      `INSERT INTO messages (workspace_id, conversation_id, role, content, created_at)
       SELECT c.workspace_id, c.id, CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
              CASE WHEN g % 2 = 0 THEN 'How do I reset the password of account ' || left(md5(g::text), 12) || '? The link says it expired after ' || g % 60 || ' minutes.'
                   ELSE 'Open Settings, then Security, and choose "Send a new link". Links last one hour; ticket ' || md5(g::text) || '.' END,
              now() - (g % 86400) * interval '1 second'
         FROM (SELECT id, workspace_id, (row_number() OVER ()) - 1 AS k FROM conversations) c
         JOIN generate_series(0, $1::int - 1) g ON g % ${CONVERSATIONS} = c.k`,
      [n],
    );
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

const database = (url: string): Config['database'] => ({ kind: 'postgres', ownerUrl: url, runtimeUrl: runtimeUrlFor(url) });

export async function benchBackup(): Promise<void> {
  console.log('## Backup and restore (PostgreSQL): rows | sign | gzip | age | rclone, and back\n');
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    console.log('(set BENCH_DATABASE_URL=postgres://… to measure it)');
    return;
  }
  const n = process.env.BENCH_BACKUP_MESSAGES ? Number(process.env.BENCH_BACKUP_MESSAGES) : 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-backup-'));
  try {
    const identity = await generateX25519Identity();
    const identityFile = join(dir, 'identity.txt');
    writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
    const remote = `:local:${join(dir, 'remote')}`;
    const keys = generateSigningKeyPair();
    await withScratchPostgres(adminUrl, async (sourceUrl) => {
      await (await openDatabase(database(sourceUrl))).close();
      const seedStart = performance.now();
      await seed(sourceUrl, n);
      const { rows: [size] } = await withClient(sourceUrl, (c) => c.query<{ size: string }>('SELECT pg_size_pretty(pg_database_size(current_database())) AS size'));
      console.log(`${n.toLocaleString('en')} messages in ${CONVERSATIONS.toLocaleString('en')} conversations, ${WORKSPACES} workspaces (seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s); database ${size!.size}`);

      const backup = await runBackup({ database: database(sourceUrl), remote, recipients: [await identityToRecipient(identity)], retentionDays: 30, signingKey: parseSigningKey(keys.signingKey) });
      const stored = statSync(join(dir, 'remote', backup.name)).size;
      console.log(`backup:  ${backup.seconds.toFixed(1)} s; dump ${formatBytes(backup.dumpedBytes)}, stored (gzip + age) ${formatBytes(stored)}; ${formatBytes(backup.dumpedBytes / backup.seconds)}/s of dump`);

      await withScratchPostgres(adminUrl, async (targetUrl) => {
        const restore = await runRestore({ database: database(targetUrl), source: backup.path, identityFile, verifyKey: parseVerifyKey(keys.verifyKey) });
        console.log(`restore: ${restore.seconds.toFixed(1)} s into an empty database (download, verify the signature, load, checksums of every table, policies, migrate); ${restore.rows.messages!.toLocaleString('en')} messages verified`);
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
