// Retention under load: N expired messages deleted by one run while a writer keeps
// inserting into another workspace; deletion time, rows/s, and the writer's insert
// latency before and during the run. PostgreSQL (BENCH_DATABASE_URL) deletes 1,000,000
// by default; the embedded PGlite 200,000 (one WASM connection, seeded in-process).
// BENCH_RETENTION_MESSAGES overrides both.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runtimeUrlFor, type Config } from '../server/config.js';
import type { Db, Queryable } from '../server/db/db.js';
import { openDatabase } from '../server/db/open.js';
import { withTenant } from '../server/db/tenant.js';
import { DEFAULT_BATCH_SIZE, runRetention } from '../server/retention/retention.service.js';
import { withScratchPostgres } from './scratch-db.js';
import { formatSummary, summarize } from './stats.js';

const CONVERSATIONS = 1_000;
const BASELINE_MS = 3_000;

/** One expired workspace (retention 30 days) holding n messages of 60 days ago; as the owner, for speed. */
async function seedExpired(owner: Queryable, n: number): Promise<void> {
  const id = randomUUID();
  await owner.query("INSERT INTO workspaces (id, public_id, name) VALUES ($1, $2, 'expired')", [id, `wk_${randomBytes(8).toString('hex')}`]);
  await owner.query('INSERT INTO widget_settings (workspace_id, retention_days) VALUES ($1, 30)', [id]);
  await owner.query(
    `WITH v AS (
       INSERT INTO visitors (workspace_id, secret_hash, created_at, last_seen_at)
       SELECT $1, sha256(int4send(g)), now() - interval '60 days', now() - interval '60 days' FROM generate_series(1, $2::int) g
       RETURNING id)
     INSERT INTO conversations (workspace_id, visitor_id, created_at, updated_at)
     SELECT $1, id, now() - interval '60 days', now() - interval '60 days' FROM v`,
    [id, CONVERSATIONS],
  );
  await owner.query(
    `INSERT INTO messages (workspace_id, conversation_id, role, content, created_at)
     SELECT $1, c.id, CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
            'an expired message of about the length of a short chat turn, number ' || g,
            now() - interval '60 days' + g * interval '1 ms'
       FROM (SELECT id, (row_number() OVER ()) - 1 AS k FROM conversations WHERE workspace_id = $1) c
       JOIN generate_series(0, $2::int - 1) g ON g % ${CONVERSATIONS} = c.k`,
    [id, n],
  );
  await owner.query('ANALYZE');
}

/** A live workspace with one conversation the writer appends to. */
async function seedLive(db: Db): Promise<{ id: string; conversationId: string }> {
  const id = randomUUID();
  return withTenant(db, id, async (q) => {
    await q.query("INSERT INTO workspaces (id, public_id, name) VALUES ($1, $2, 'live')", [id, `wk_${randomBytes(8).toString('hex')}`]);
    const { rows: [v] } = await q.query<{ id: string }>('INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, $2) RETURNING id', [id, randomBytes(32)]);
    const { rows: [c] } = await q.query<{ id: string }>('INSERT INTO conversations (workspace_id, visitor_id) VALUES ($1, $2) RETURNING id', [id, v!.id]);
    return { id, conversationId: c!.id };
  });
}

/** Inserts messages one after another, as chat does (message, then the conversation's updated_at), until stopped. */
function startWriter(db: Db, live: { id: string; conversationId: string }) {
  const samples: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const start = performance.now();
      // Counted in the latency: PGlite answers within the microtask queue, and a writer
      // that never yields would starve the job (and a job that never yields, the writer).
      await new Promise((r) => setImmediate(r));
      await withTenant(db, live.id, async (q) => {
        await q.query("INSERT INTO messages (workspace_id, conversation_id, role, content) VALUES ($1, $2, 'user', 'still here')", [live.id, live.conversationId]);
        await q.query('UPDATE conversations SET updated_at = now() WHERE workspace_id = $1 AND id = $2', [live.id, live.conversationId]);
      });
      samples.push(performance.now() - start);
    }
  })();
  return { samples, stop: async () => ((running = false), await done) };
}

async function measure(label: string, database: Config['database'], n: number, seed: (db: Db) => Promise<void>): Promise<void> {
  const db = await openDatabase(database);
  try {
    const seedStart = performance.now();
    await seed(db);
    const live = await seedLive(db);
    console.log(`### ${label}: ${n.toLocaleString('en')} expired messages in ${CONVERSATIONS} conversations (seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s), batches of ${DEFAULT_BATCH_SIZE[db.driver]}`);

    const idle = startWriter(db, live);
    await new Promise((r) => setTimeout(r, BASELINE_MS));
    await idle.stop();

    const busy = startWriter(db, live);
    const start = performance.now();
    const run = await runRetention(db);
    const seconds = (performance.now() - start) / 1000;
    await busy.stop();
    if (!run || run.totals.messages !== n) throw new Error(`retention deleted ${run?.totals.messages} messages, expected ${n}`);
    console.log(`deleted ${run.totals.messages} messages, ${run.totals.conversations} conversations, ${run.totals.visitors} visitors in ${seconds.toFixed(1)} s: ${Math.round(run.totals.messages / seconds).toLocaleString('en')} messages/s`);
    console.log(formatSummary('writer insert, before the run', summarize(idle.samples)));
    console.log(formatSummary('writer insert, during the run', summarize(busy.samples)));
  } finally {
    await db.close();
  }
}

export async function benchRetention(): Promise<void> {
  console.log('## Retention: expired messages deleted while a writer keeps inserting\n');
  const override = process.env.BENCH_RETENTION_MESSAGES ? Number(process.env.BENCH_RETENTION_MESSAGES) : undefined;

  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  try {
    const n = override ?? 200_000;
    // PGlite's single session is a superuser: it seeds directly.
    await measure('PGlite', { kind: 'pglite', dir: join(dir, 'pglite') }, n, (db) => seedExpired(db, n));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log();

  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    console.log('(set BENCH_DATABASE_URL=postgres://… to measure PostgreSQL too)');
    return;
  }
  await withScratchPostgres(adminUrl, async (url) => {
    const n = override ?? 1_000_000;
    await measure('PostgreSQL', { kind: 'postgres', ownerUrl: url, runtimeUrl: runtimeUrlFor(url) }, n, async () => {
      const owner = new pg.Client({ connectionString: url });
      await owner.connect();
      try {
        await seedExpired({ query: async (sql, params) => { const r = await owner.query(sql, params as unknown[]); return { rows: r.rows, rowCount: r.rowCount ?? 0 }; } }, n);
      } finally {
        await owner.end();
      }
    });
  });
}
