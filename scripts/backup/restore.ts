import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import type { Config } from '../../server/config.js';
import { BackupError } from './config.js';
import { decrypterFromIdentityFile } from './identity.js';
import type { Manifest } from './manifest.js';
import { formatBytes, startProgress } from './progress.js';
import { cat } from './rclone.js';
import { preparePglite, preparePostgres } from './targets.js';

export interface RestoreOptions {
  database: Config['database'];
  /** An rclone path (remote:path/file, or a local file). */
  source: string;
  identityFile: string;
  /** Replace a database that is not empty. */
  force?: boolean;
  progress?: boolean;
}

export interface RestoreResult {
  manifest: Manifest;
  /** Rows per table, as restored (and as the backup's manifest says). */
  rows: Record<string, number>;
  /** After migrating: the latest migration this Parley knows. */
  schemaVersion: number;
  downloadedBytes: number;
  seconds: number;
}

/**
 * rclone cat → age decrypt → gunzip → load, into an empty database, verified against
 * the backup's manifest before anything is committed (PostgreSQL: one transaction;
 * PGlite: a new directory put in place only once verified); then migrated to the
 * latest schema this Parley knows.
 */
export async function runRestore(options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const decrypter = decrypterFromIdentityFile(options.identityFile);
  const target = options.database.kind === 'postgres' ? await preparePostgres(options.database.ownerUrl, options.force) : preparePglite(options.database.dir, options.force);
  let downloadedBytes = 0;
  let loadedBytes = 0;
  const progress = options.progress ? startProgress('restore', () => `${formatBytes(downloadedBytes)} downloaded, ${formatBytes(loadedBytes)} loaded`) : undefined;
  const fetch = cat(options.source);
  fetch.done.catch(() => {});
  const plaintext = new PassThrough({ highWaterMark: 1024 * 1024 });
  plaintext.on('error', () => {}); // reported through the pipeline or the loader
  let loading: Promise<Manifest> | undefined;
  try {
    const counted = fetch.stdout.pipe(new Transform({ transform: (c: Buffer, _e, done) => ((downloadedBytes += c.length), done(null, c)) }));
    let decrypted: ReadableStream<Uint8Array>;
    try {
      decrypted = await decrypter.decrypt(Readable.toWeb(counted) as unknown as ReadableStream<Uint8Array>);
    } catch (err) {
      // rclone failing (no such file) explains an unreadable header better than the header does.
      await Promise.race([fetch.done, delay(2_000)]);
      throw headerError(err as Error, options);
    }
    const unpacking = pipeline(
      Readable.fromWeb(decrypted as unknown as WebReadableStream<Uint8Array>),
      createGunzip(),
      new Transform({ transform: (c: Buffer, _e, done) => ((loadedBytes += c.length), done(null, c)) }),
      plaintext,
    ).catch(async (err: Error) => {
      await Promise.race([fetch.done, delay(2_000)]);
      throw new BackupError(`${options.source} is damaged or was tampered with (${err.message} after ${formatBytes(downloadedBytes)} read); nothing was restored`);
    });
    unpacking.catch(() => {});
    const load = target.load(plaintext).catch(async (err: unknown) => {
      // A load that failed because the file broke off reports the file, not the symptom.
      await Promise.race([unpacking, delay(500)]);
      throw err;
    });
    loading = load;
    load.catch(() => {});
    // A damaged file ends the restore at once, whatever the loader is doing.
    const manifest = await Promise.race([load, unpacking.then(() => load)]);
    await Promise.all([unpacking, fetch.done]);
    const result = await target.finish(manifest);
    return { ...result, manifest, downloadedBytes, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    fetch.kill();
    plaintext.destroy(new BackupError('restore stopped'));
    // The loader stops on the destroyed input (psql killed uncommitted, PGlite closed) before the target is cleaned up.
    await Promise.race([loading?.catch(() => {}), delay(30_000)]);
    await target.abandon();
    throw err;
  } finally {
    progress?.stop();
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function headerError(err: Error, options: RestoreOptions): BackupError {
  if (err instanceof BackupError) return err;
  if (/no identity matched/.test(err.message)) return new BackupError(`the identity in ${options.identityFile} cannot decrypt ${options.source}: it was encrypted to other recipients`);
  return new BackupError(`${options.source} is not an age-encrypted Parley backup, or its header is damaged (${err.message}); nothing was restored`);
}
