import { BackupError } from './config.js';

/**
 * The plaintext of a backup (format 2): JSON, one value a line, and nothing a database
 * or a shell could run. The schema is not in it: a restore builds the schema from its
 * own migrations and loads only rows, each value as text cast to its column's type.
 *
 *   {"parleyBackup":2}                                  first line
 *   {"table":"workspaces","columns":["id","name",…]}    then, per table, its columns
 *   ["8f1…","Alpha",…]                                   and its rows (null for NULL)
 *   {"sequence":"audit_events_id_seq","value":"42"}     sequence positions
 *   {"manifest":"…","ed25519":"…","key":"…"}            last: the signed manifest (signing.ts)
 */
export const HEADER_LINE = '{"parleyBackup":2}\n';

export type BackupRecord =
  | { kind: 'table'; table: string; columns: string[] }
  | { kind: 'row'; values: (string | null)[] }
  | { kind: 'sequence'; sequence: string; value: string };

export function tableLine(table: string, columns: string[]): string {
  return `${JSON.stringify({ table, columns })}\n`;
}

export function sequenceLine(sequence: string, value: string): string {
  return `${JSON.stringify({ sequence, value })}\n`;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** One line after the header, checked for shape only; the loader checks names against the database. */
export function parseRecord(line: string, lineNo: number): BackupRecord {
  const bad = (why: string) => new BackupError(`line ${lineNo} of the backup ${why}: refused`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw bad('is not JSON');
  }
  if (Array.isArray(value)) {
    if (!value.every((v) => v === null || typeof v === 'string')) throw bad('is a row with a value that is neither text nor null');
    return { kind: 'row', values: value as (string | null)[] };
  }
  const o = (value ?? {}) as Record<string, unknown>;
  const keys = Object.keys(o).sort().join();
  if (keys === 'columns,table') {
    const { table, columns } = o;
    if (typeof table !== 'string' || !NAME.test(table)) throw bad('names a table that is not a plain identifier');
    if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === 'string' && NAME.test(c))) throw bad('has a column list that is not plain identifiers');
    if (new Set(columns).size !== columns.length) throw bad('names a column twice');
    return { kind: 'table', table, columns: columns as string[] };
  }
  if (keys === 'sequence,value') {
    if (typeof o.sequence !== 'string' || !NAME.test(o.sequence)) throw bad('names a sequence that is not a plain identifier');
    if (typeof o.value !== 'string' || !/^-?\d{1,19}$/.test(o.value)) throw bad('has a sequence value that is not an integer');
    return { kind: 'sequence', sequence: o.sequence, value: o.value };
  }
  throw bad('is not a table, row or sequence record');
}
