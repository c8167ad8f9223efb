import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { withTenant } from '../../server/db/tenant.js';
import { vectorLiteral } from '../../server/knowledge/chunk-text.js';
import { createSource } from '../../server/knowledge/knowledge.repo.js';
import { upsertDocument } from '../../server/knowledge/knowledge-documents.repo.js';
import { EMBEDDING_DIMENSIONS, vectorSupport } from '../../server/knowledge/vector-schema.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';

const packageVersion = (name: string) => (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string; peerDependencies?: Record<string, string> });

test('@electric-sql/pglite-pgvector declares PGlite 0.5.14 and runs on the PGlite we ship (package.json overrides its peer)', () => {
  assert.equal(packageVersion('@electric-sql/pglite-pgvector').peerDependencies?.['@electric-sql/pglite'], '0.5.14');
  assert.equal(packageVersion('@electric-sql/pglite').version, '0.5.16');
  // One PGlite in the tree: the extension must not bring its own copy.
  assert.throws(() => readFileSync('node_modules/@electric-sql/pglite-pgvector/node_modules/@electric-sql/pglite/package.json'), /ENOENT/);
});

/** Random unit vectors, reproducible. */
function vectors(n: number, seed: number): number[][] {
  let x = seed;
  const rand = () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: n }, () => {
    const v = Array.from({ length: EMBEDDING_DIMENSIONS }, rand);
    const norm = Math.hypot(...v);
    return v.map((c) => c / norm);
  });
}
const cosine = (a: number[], b: number[]) => a.reduce((s, c, i) => s + c * b[i]!, 0);

for (const kind of databaseKinds) {
  describe(`pgvector HNSW on ${kind}`, () => {
    let database: TestDatabase;
    let db: Db;
    let ws: string;
    const stored = vectors(400, 7);

    before(async () => {
      database = await createTestDatabase(kind, { migrated: true });
      db = await openDatabase(database.config);
      ws = (await seedWorkspace(db)).id;
      const source = await createSource(db, ws, { kind: 'text', title: 'Vectors', text: 'x' });
      const doc = await upsertDocument(db, ws, source.id, { url: null });
      await withTenant(db, ws, (q) =>
        q.query(
          `INSERT INTO knowledge_chunks (workspace_id, source_id, document_id, position, content, content_hash, token_estimate, embedding, embedding_model)
           SELECT $1, $2, $3, i, 'chunk ' || i, sha256(convert_to(i::text, 'UTF8')), 1, v::vector, 'test' FROM unnest($4::text[]) WITH ORDINALITY AS t(v, i)`,
          [ws, source.id, doc.id, stored.map(vectorLiteral)],
        ),
      );
    });
    after(async () => {
      await db?.close();
      await database?.drop();
    });

    test('the extension is created at start-up, with the vector(1024) column and its HNSW cosine index', async () => {
      const support = await vectorSupport(db);
      assert.equal(support.available, true, support.reason);
      assert.match(support.version!, kind === 'pglite' ? /^0\.8\.7$/ : /^0\.8\./);
      const { rows } = await db.query<{ def: string }>("SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'knowledge_chunks_embedding_idx'");
      assert.match(rows[0]!.def, /USING hnsw \(embedding vector_cosine_ops\)/);
    });

    test('nearest-neighbour queries are answered through the HNSW index, as the runtime role, and match exact search', async () => {
      const queries = vectors(10, 99).map((v, i) => v.map((c, j) => c + stored[i * 37]![j]! * 2));
      let hits = 0;
      for (const [i, query] of queries.entries()) {
        const { plan, rows } = await withTenant(db, ws, async (q) => {
          // Few rows: the planner would rather sort them all; this proves the index answers.
          await q.query("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)");
          const sql = 'SELECT position FROM knowledge_chunks WHERE embedding IS NOT NULL ORDER BY embedding <=> $1::vector LIMIT 10';
          const explained = await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [vectorLiteral(query)]);
          return { plan: explained.rows.map((r) => r['QUERY PLAN']).join('\n'), rows: (await q.query<{ position: number }>(sql, [vectorLiteral(query)])).rows };
        });
        assert.match(plan, /Index Scan using knowledge_chunks_embedding_idx/, plan.replace(/'\[[^\]]*\]'/g, "'[…]'"));
        const exact = stored.map((v, p) => ({ p: p + 1, s: cosine(v, query) })).sort((x, y) => y.s - x.s).slice(0, 10).map((x) => x.p);
        assert.equal(rows[0]!.position, i * 37 + 1, 'the planted neighbour comes first');
        hits += rows.filter((r) => exact.includes(r.position)).length;
      }
      // HNSW is approximate; on 400 vectors it should miss almost nothing.
      assert.ok(hits >= 90, `recall ${hits}/100`);
    });
  });
}
