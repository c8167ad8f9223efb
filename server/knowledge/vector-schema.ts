// pgvector is optional on PostgreSQL (PGlite always has it, loaded by its worker): the
// embedding column and its index are added here, idempotently, after the migrations at
// every start and after a restore, instead of by a numbered migration that would stop
// Parley from starting on a server without the extension.
import type { Db, Queryable } from '../db/db.js';
import type { Logger } from '../logging.js';

/** mistral-embed's vectors. */
export const EMBEDDING_DIMENSIONS = 1024;
export const VECTOR_TABLE = 'knowledge_chunks';
export const VECTOR_COLUMN = 'embedding';
export const VECTOR_INDEX = 'knowledge_chunks_embedding_idx';
// Any constant: the same in every Parley process, different from the migrations' lock.
const LOCK_KEY = 7_046_111_013;

/** Whether vector search works in a database, and if not, what an operator must do. */
export interface VectorSupport {
  available: boolean;
  /** pgvector's version in this database, when it is there. */
  version?: string;
  /** Why not, in one sentence an operator can act on. */
  reason?: string;
}

interface CatalogState {
  tables: boolean;
  installed: string | null;
  onServer: string | null;
  column: string | null;
  index: boolean;
}

async function catalogState(q: Queryable): Promise<CatalogState> {
  const { rows } = await q.query<CatalogState>(
    `SELECT to_regclass('public.${VECTOR_TABLE}') IS NOT NULL AS tables,
            (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS installed,
            (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS "onServer",
            (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
              WHERE attrelid = to_regclass('public.${VECTOR_TABLE}') AND attname = '${VECTOR_COLUMN}' AND NOT attisdropped) AS "column",
            EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND indexname = '${VECTOR_INDEX}') AS "index"`,
  );
  return rows[0]!;
}

const FULL_TEXT_ONLY = 'until then knowledge search uses full text only';

function describe(state: CatalogState, createError?: string): VectorSupport {
  if (!state.tables) return { available: false, reason: 'the knowledge tables are not migrated yet' };
  if (!state.installed) {
    if (!state.onServer) {
      return { available: false, reason: `pgvector is not installed on this PostgreSQL server: install it (docs/deployment.md) and restart Parley; ${FULL_TEXT_ONLY}` };
    }
    const why = createError ? ` (${createError})` : '';
    return {
      available: false,
      reason: `pgvector ${state.onServer} is installed on the server, but Parley could not create the extension in this database${why}: run CREATE EXTENSION vector; in it as a superuser and restart Parley; ${FULL_TEXT_ONLY}`,
    };
  }
  if (state.column !== `vector(${EMBEDDING_DIMENSIONS})`) {
    const found = state.column ? `is ${state.column}` : 'is missing';
    return { available: false, version: state.installed, reason: `the column ${VECTOR_TABLE}.${VECTOR_COLUMN} ${found}: restart Parley to add it; ${FULL_TEXT_ONLY}` };
  }
  if (!state.index) return { available: false, version: state.installed, reason: `the index ${VECTOR_INDEX} is missing: restart Parley to build it; ${FULL_TEXT_ONLY}` };
  return { available: true, version: state.installed };
}

/**
 * Creates the extension when the server has it and this role may, then the embedding
 * column and its HNSW (cosine) index when missing. Must run inside a transaction (it uses
 * a savepoint, so a refused CREATE EXTENSION leaves the caller's transaction usable) and
 * as the tables' owner. Safe to run at every start and by instances starting together.
 */
export async function ensureVectorSchema(q: Queryable): Promise<VectorSupport> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
  let state = await catalogState(q);
  if (!state.tables) return describe(state);
  let createError: string | undefined;
  if (!state.installed && state.onServer) {
    await q.query('SAVEPOINT parley_vector');
    try {
      await q.query('CREATE EXTENSION IF NOT EXISTS vector');
      await q.query('RELEASE SAVEPOINT parley_vector');
    } catch (err) {
      await q.query('ROLLBACK TO SAVEPOINT parley_vector');
      createError = (err as Error).message;
    }
    state = await catalogState(q);
  }
  if (!state.installed) return describe(state, createError);
  if (!state.column) {
    await q.query(`ALTER TABLE ${VECTOR_TABLE} ADD COLUMN ${VECTOR_COLUMN} vector(${EMBEDDING_DIMENSIONS})`);
  }
  // Cosine: mistral-embed's vectors are compared by angle. HNSW needs no training data,
  // unlike IVFFlat, so it works from the first chunk on.
  await q.query(`CREATE INDEX IF NOT EXISTS ${VECTOR_INDEX} ON ${VECTOR_TABLE} USING hnsw (${VECTOR_COLUMN} vector_cosine_ops)`);
  return describe(await catalogState(q));
}

const known = new WeakMap<Db, Promise<VectorSupport>>();

/**
 * Whether this database can store and search embeddings, read from the catalogs (any
 * role may). Cached per handle: what ensureVectorSchema did at start-up holds until the
 * next start.
 */
export function vectorSupport(db: Db): Promise<VectorSupport> {
  let support = known.get(db);
  if (!support) {
    support = catalogState(db).then((state) => describe(state));
    // A failed read (connection cut) is not an answer to keep.
    support.catch(() => known.delete(db));
    known.set(db, support);
  }
  return support;
}

/** Logs, once at start-up, whether vector search works and if not what is missing. Never throws. */
export async function reportVectorSupport(db: Db, logger: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  try {
    const support = await vectorSupport(db);
    if (support.available) logger.info({ pgvector: support.version }, 'knowledge search: hybrid (pgvector and full text)');
    else logger.warn({ pgvector: null }, `knowledge search: ${support.reason}`);
  } catch (err) {
    logger.warn({ err }, 'knowledge search: could not read whether pgvector is available');
  }
}
