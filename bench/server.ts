// Start-up and request latency of the server on PGlite and, with
// BENCH_DATABASE_URL, on PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, runtimeUrlFor, type Config } from '../server/config.js';
import type { Db } from '../server/db/db.js';
import { openDatabase } from '../server/db/open.js';
import { withTenant } from '../server/db/tenant.js';
import { generateKeyringText } from '../server/keys/keyring.js';
import { createLogger } from '../server/logging.js';
import { startServer } from '../server/server.js';
import { withScratchPostgres } from './scratch-db.js';
import { formatSummary, summarize, timeEach, timeOnce } from './stats.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);

async function benchDatabase(label: string, database: Config['database']): Promise<void> {
  const [db, openMs] = await timeOnce(() => openDatabase(database));
  console.log(`${`${label}: open + migrate (empty database)`.padEnd(44)} ${openMs.toFixed(0)} ms`);
  await db.close();
  const [again, reopenMs] = await timeOnce(() => openDatabase(database));
  console.log(`${`${label}: reopen (schema current)`.padEnd(44)} ${reopenMs.toFixed(0)} ms`);
  try {
    await benchRequests(label, again, database);
  } finally {
    await again.close();
  }
}

async function benchRequests(label: string, db: Db, database: Config['database']): Promise<void> {
  const workspaceId = await db
    .query<{ id: string }>(`SELECT gen_random_uuid()::text AS id`)
    .then((r) => r.rows[0]!.id);
  console.log(formatSummary(`${label}: withTenant(SELECT)`, summarize(
    await timeEach(REQUESTS, () => withTenant(db, workspaceId, (q) => q.query('SELECT count(*) FROM conversations'))),
  )));

  const config: Config = {
    ...loadConfig({
      NODE_ENV: 'test', PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-bench-')),
      MASTER_KEYS: generateKeyringText('m1'), TOKEN_KEYS: generateKeyringText('t1'),
    }),
    database,
  };
  const server = await startServer(config, createLogger({ level: 'silent' }), { db });
  try {
    for (const path of ['/healthz', '/readyz']) {
      const samples = await timeEach(REQUESTS, async () => {
        const res = await fetch(server.url + path);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      });
      console.log(formatSummary(`${label}: GET ${path}`, summarize(samples)));
    }
  } finally {
    await server.close(1_000);
    rmSync(config.dataDir, { recursive: true, force: true });
  }
}

async function benchPostgres(adminUrl: string): Promise<void> {
  await withScratchPostgres(adminUrl, (url) => benchDatabase('postgres', { kind: 'postgres', ownerUrl: url, runtimeUrl: runtimeUrlFor(url) }));
}

export async function benchServer(): Promise<void> {
  console.log(`## Server (${REQUESTS} sequential requests per figure)\n`);
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-db-'));
  try {
    await benchDatabase('pglite', { kind: 'pglite', dir: join(dir, 'pglite') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.env.BENCH_DATABASE_URL) await benchPostgres(process.env.BENCH_DATABASE_URL);
  else console.log('(set BENCH_DATABASE_URL=postgres://… to measure PostgreSQL too)');
}
