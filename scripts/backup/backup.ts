import { createHash, type KeyObject } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGzip } from 'node:zlib';
import { Encrypter } from 'age-encryption';
import type { Config } from '../../server/config.js';
import { dumpDatabase } from './dump.js';
import type { Manifest } from './manifest.js';
import { formatBytes, startProgress } from './progress.js';
import { exited, rcat, rclone, remotePath } from './rclone.js';
import { backupName, pruneBackups } from './remote-files.js';
import { signedLine } from './signing.js';

export interface BackupOptions {
  database: Config['database'];
  remote: string;
  recipients: readonly string[];
  retentionDays: number;
  /** BACKUP_SIGNING_KEY: the last line signs the manifest and the SHA-256 of everything before it. */
  signingKey: KeyObject;
  /** Show a progress line on stderr. */
  progress?: boolean;
  now?: Date;
}

export interface BackupResult {
  /** The remote path written. */
  path: string;
  name: string;
  dumpedBytes: number;
  uploadedBytes: number;
  seconds: number;
  /** Expired (and future-dated) backups deleted afterwards. */
  deleted: string[];
  /** Lines for the operator: future-dated names deleted. */
  warnings: string[];
}

/**
 * dump → sign → gzip → age → rclone rcat, streamed: nothing unencrypted touches the disk and
 * memory use does not grow with the database. The upload goes to a .partial name and
 * is renamed only once every stage succeeded, so a failed run never leaves a file that
 * looks like a backup; expired backups are deleted only after a successful one.
 */
export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const name = backupName(options.now ?? new Date());
  const path = remotePath(options.remote, name);
  const partial = `${path}.partial`;
  const encrypter = new Encrypter();
  for (const r of options.recipients) encrypter.addRecipient(r);

  let dumpedBytes = 0;
  let uploadedBytes = 0;
  const progress = options.progress
    ? startProgress('backup', () => `${formatBytes(dumpedBytes)} dumped, ${formatBytes(uploadedBytes)} uploaded`)
    : undefined;
  const upload = rcat(partial);
  const uploaded = exited(upload, 'rclone rcat');
  uploaded.catch(() => {});
  try {
    const dump = dumpDatabase(options.database);
    async function* counted() {
      const hash = createHash('sha256');
      try {
        for (;;) {
          const next = await dump.next();
          if (next.done) {
            const manifest: Manifest = { ...next.value, plaintext: { bytes: dumpedBytes, sha256: hash.digest('hex') } };
            const line = Buffer.from(signedLine(JSON.stringify(manifest), options.signingKey));
            dumpedBytes += line.length;
            yield line;
            return;
          }
          hash.update(next.value);
          dumpedBytes += next.value.length;
          yield next.value;
        }
      } finally {
        // A failed upload stops the dump too: its transaction ends and the database is released.
        await dump.return(undefined as never).catch(() => {});
      }
    }
    const gzip = createGzip({ level: 6 });
    const compressing = pipeline(Readable.from(counted()), gzip);
    compressing.catch(() => {});
    const cipher = await encrypter.encrypt(Readable.toWeb(gzip) as unknown as ReadableStream<Uint8Array>);
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        uploadedBytes += chunk.length;
        done(null, chunk);
      },
    });
    await Promise.all([compressing, pipeline(Readable.fromWeb(cipher as unknown as WebReadableStream<Uint8Array>), count, upload.stdin!), uploaded]);
  } catch (err) {
    // Stop rclone before it sees end-of-input and stores a truncated file, then remove what it may have stored.
    upload.kill('SIGKILL');
    await uploaded.catch(() => {});
    await rclone(['deletefile', partial]).catch(() => {});
    throw err;
  } finally {
    progress?.stop();
  }
  await rclone(['moveto', partial, path]);
  const warnings: string[] = [];
  const deleted = await pruneBackups(options.remote, options.retentionDays, options.now ?? new Date(), (line) => warnings.push(line));
  return { path, name, dumpedBytes, uploadedBytes, seconds: (performance.now() - started) / 1000, deleted, warnings };
}
