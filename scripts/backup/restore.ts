import type { KeyObject } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../server/config.js';
import { decrypterFromIdentityFile } from './identity.js';
import type { Manifest } from './manifest.js';
import { authenticate, records } from './plaintext.js';
import { formatBytes, startProgress } from './progress.js';
import { cat } from './rclone.js';
import { preparePglite, preparePostgres } from './targets.js';

export interface RestoreOptions {
  database: Config['database'];
  /** An rclone path (remote:path/file, or a local file). */
  source: string;
  identityFile: string;
  /** BACKUP_VERIFY_KEY: only backups whose signature verifies under it are loaded. */
  verifyKey: KeyObject;
  /** Replace a database that is not empty. */
  force?: boolean;
  progress?: boolean;
}

export interface RestoreResult {
  /** The signed manifest: its createdAt is when the backup was taken, as the server signed it. */
  manifest: Manifest;
  /** Rows per table, as restored (and as the backup's manifest says). */
  rows: Record<string, number>;
  /** After migrating: the latest migration this Parley knows. */
  schemaVersion: number;
  downloadedBytes: number;
  seconds: number;
}

/**
 * rclone cat → a private temporary file (still encrypted) → first pass: decrypt,
 * gunzip, hash everything and verify the signed manifest → only then the second pass
 * over the same local file, which loads the rows into the target (targets.ts: one
 * transaction, or a staging directory) and commits only after every check. So a file that is unsigned, signed by another key, or altered anywhere loads
 * nothing, and nothing unencrypted is written to disk.
 */
export async function runRestore(options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const decrypter = decrypterFromIdentityFile(options.identityFile);
  const target = options.database.kind === 'postgres' ? await preparePostgres(options.database.ownerUrl, options.force) : preparePglite(options.database.dir, options.force);
  const stats = { downloaded: 0, checked: 0, loaded: 0 };
  const progress = options.progress
    ? startProgress('restore', () => `${formatBytes(stats.downloaded)} downloaded, ${formatBytes(stats.checked)} verified, ${formatBytes(stats.loaded)} loaded`)
    : undefined;
  // mkdtemp makes the directory 0700; the file is 0600 and goes in every case.
  const dir = mkdtempSync(join(tmpdir(), 'parley-restore-'));
  try {
    const file = join(dir, 'backup.age');
    await download(options.source, file, (n) => (stats.downloaded += n));
    const manifest = await authenticate({ file, decrypter, verifyKey: options.verifyKey, source: options.source, identityFile: options.identityFile }, (n) => (stats.checked += n));
    const result = await target.rebuild(manifest, records({ file, decrypter, source: options.source, identityFile: options.identityFile }, manifest, (n) => (stats.loaded += n)));
    return { ...result, manifest, downloadedBytes: stats.downloaded, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    await target.abandon();
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    progress?.stop();
  }
}

async function download(source: string, file: string, count: (n: number) => void): Promise<void> {
  const fetch = cat(source);
  const done = fetch.done;
  done.catch(() => {});
  try {
    await pipeline(
      fetch.stdout,
      new Transform({ transform: (c: Buffer, _e, next) => (count(c.length), next(null, c)) }),
      createWriteStream(file, { mode: 0o600, flags: 'wx' }),
    );
    await done;
  } catch (err) {
    fetch.kill();
    // rclone's own message (no such file) explains more than a broken pipe.
    await done;
    throw err;
  }
}
