import { BackupError } from './config.js';
import type { BackupRecord } from './format.js';
import { listTables, OPTIONAL_COLUMNS, quoteIdent } from './manifest.js';
import type { Session } from './session.js';

const BATCH_ROWS = 2_000;
const BATCH_BYTES = 4 * 1024 * 1024;

interface TableInfo {
  /** Stored (not generated) columns and their types, by name. */
  types: Map<string, string>;
}

/**
 * Loads a backup's rows into tables that the migrations created: only tables and
 * columns that exist here, every value passed as a parameter and cast to its column's
 * type. Nothing in the file becomes SQL; a name this database does not have is refused.
 */
export async function loadRows(s: Session, records: AsyncIterable<BackupRecord>): Promise<void> {
  const tables = new Map<string, TableInfo>();
  for (const table of await listTables(s)) tables.set(table, { types: await columnTypes(s, table) });
  const { rows: seqRows } = await s.query<{ name: string }>("SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public'");
  const sequences = new Set(seqRows.map((r) => r.name));
  const seen = new Set<string>();

  let insert: { sql: string; width: number } | undefined;
  let batch: string[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (insert && batch.length > 0) await s.query(insert.sql, [`[${batch.join(',')}]`]);
    batch = [];
    batchBytes = 0;
  };

  for await (const record of records) {
    if (record.kind === 'row') {
      if (!insert) throw new BackupError('the backup has a row before any table: refused');
      if (record.values.length !== insert.width) throw new BackupError(`the backup has a row of ${record.values.length} values for a table of ${insert.width} columns: refused`);
      const json = JSON.stringify(record.values);
      batch.push(json);
      batchBytes += json.length;
      if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES) await flush();
      continue;
    }
    await flush();
    insert = undefined;
    if (record.kind === 'sequence') {
      if (!sequences.has(record.sequence)) throw new BackupError(`the backup sets sequence ${record.sequence}, which this Parley's migrations do not create: refused`);
      await s.query('SELECT pg_catalog.setval($1::regclass, $2::bigint, true)', [`public.${quoteIdent(record.sequence)}`, record.value]);
      continue;
    }
    const info = tables.get(record.table);
    if (!info) throw new BackupError(`the backup has table ${record.table}, which this Parley's migrations do not create: refused`);
    if (seen.has(record.table)) throw new BackupError(`the backup has table ${record.table} twice: refused`);
    seen.add(record.table);
    const unknown = record.columns.filter((c) => !info.types.has(c));
    // A backup of a database without pgvector has no embeddings: they stay NULL here.
    const missing = [...info.types.keys()].filter((c) => !record.columns.includes(c) && OPTIONAL_COLUMNS[record.table] !== c);
    if (unknown.length === 1 && OPTIONAL_COLUMNS[record.table] === unknown[0]) {
      throw new BackupError(`the backup has embeddings (${record.table}.${unknown[0]}), but this database has no pgvector to hold them: install pgvector on this PostgreSQL server (docs/deployment.md), or restore as a role that may CREATE EXTENSION vector, then restore again`);
    }
    if (unknown.length > 0 || missing.length > 0) {
      throw new BackupError(`the backup's columns of ${record.table} differ from this database's (${[...unknown.map((c) => `+${c}`), ...missing.map((c) => `-${c}`)].join(', ')}): refused`);
    }
    // The migrations recorded themselves; the backup's own bookkeeping rows replace them.
    if (record.table === 'schema_migrations') await s.query('DELETE FROM public.schema_migrations');
    insert = { sql: insertSql(record.table, record.columns, info), width: record.columns.length };
  }
  await flush();
}

/** One statement per batch: a JSON array of rows, each value text or null, cast to its column's type. */
function insertSql(table: string, columns: string[], info: TableInfo): string {
  const names = columns.map(quoteIdent).join(', ');
  const values = columns.map((c, i) => `(r->>${i})::${info.types.get(c)}`).join(', ');
  // Identity columns keep their backed-up values; the sequences are set afterwards.
  return `INSERT INTO public.${quoteIdent(table)} (${names}) OVERRIDING SYSTEM VALUE SELECT ${values} FROM json_array_elements($1::json) AS r`;
}

async function columnTypes(s: Session, table: string): Promise<Map<string, string>> {
  const { rows } = await s.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [`public.${quoteIdent(table)}`],
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}
