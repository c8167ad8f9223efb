import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { PGlite } from '@electric-sql/pglite';
import { BackupError } from './config.js';
import { parseManifest, type Manifest } from './manifest.js';

const COPY_LINE = /^COPY (.+) FROM stdin;$/;
const COPY_FLUSH_BYTES = 8 * 1024 * 1024;

/**
 * Runs a plain SQL dump (ours or pg_dump's) on PGlite, which has no psql: statements
 * between COPY blocks go to exec() as one script; each COPY block's rows are handed to
 * COPY … FROM '/dev/blob' in pieces of a few megabytes. psql meta-commands
 * (\restrict, \unrestrict) are skipped. Returns the dump's manifest.
 */
export async function loadIntoPglite(db: PGlite, plaintext: Readable): Promise<Manifest> {
  let sql: string[] = [];
  let copyTarget: string | undefined;
  let rows: string[] = [];
  let rowBytes = 0;
  let manifest: Manifest | undefined;

  const flushSql = async () => {
    if (sql.length > 0) await db.exec(sql.join('\n')).catch(refused);
    sql = [];
  };
  const flushRows = async () => {
    if (rows.length > 0) await db.query(`COPY ${copyTarget} FROM '/dev/blob'`, [], { blob: new Blob([rows.join('\n'), '\n']) }).catch(refused);
    rows = [];
    rowBytes = 0;
  };

  if (plaintext.destroyed) throw new BackupError('the backup stopped before it was loaded');
  const lines = createInterface({ input: plaintext, crlfDelay: Infinity });
  // readline waits for an 'end' that a destroyed stream never emits.
  plaintext.once('close', () => {
    if (!plaintext.readableEnded) lines.close();
  });
  for await (const line of lines) {
    if (copyTarget !== undefined) {
      if (line === '\\.') {
        await flushRows();
        copyTarget = undefined;
      } else {
        rows.push(line);
        rowBytes += line.length + 1;
        if (rowBytes >= COPY_FLUSH_BYTES) await flushRows();
      }
      continue;
    }
    const copy = COPY_LINE.exec(line);
    if (copy) {
      await flushSql();
      copyTarget = copy[1];
    } else if (line.startsWith('\\')) {
      continue;
    } else {
      manifest = parseManifest(line) ?? manifest;
      sql.push(line);
    }
  }
  if (!plaintext.readableEnded) throw new BackupError('the backup stopped before it was loaded');
  if (copyTarget !== undefined) throw new BackupError('the backup ends inside a COPY block: it is truncated');
  await flushSql();
  if (!manifest) throw new BackupError('the file is not a Parley backup: it has no manifest line');
  return manifest;
}

function refused(err: Error): never {
  throw new BackupError(`the embedded database refused the backup's SQL: ${err.message}`);
}
