import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import type { Decrypter } from 'age-encryption';
import { BackupError } from './config.js';
import { HEADER_LINE, parseRecord, type BackupRecord } from './format.js';
import { parseManifest, type Manifest } from './manifest.js';
import { formatBytes } from './progress.js';
import { verifySignedLine } from './signing.js';

/** A downloaded backup: the encrypted file on local disk and what opens it. */
export interface LocalBackup {
  file: string;
  decrypter: Decrypter;
  source: string;
  identityFile: string;
}

// Nothing Parley writes comes near this; a file that does is refused before it fills memory.
const MAX_LINE_BYTES = 256 * 1024 * 1024;
const HEADER = HEADER_LINE.trimEnd();

/**
 * The first pass: decrypts and decompresses the whole file, hashes every byte before
 * its last line, and verifies that line's signature and the manifest's hash and size.
 * Returns the manifest only if all of it holds; nothing is loaded anywhere.
 */
export async function authenticate(backup: LocalBackup & { verifyKey: KeyObject }, count: (n: number) => void): Promise<Manifest> {
  const hash = createHash('sha256');
  let bytes = 0;
  let first: Buffer | undefined;
  let last: Buffer | undefined;
  for await (const line of lines(backup, count)) {
    if (last) {
      hash.update(last).update('\n');
      bytes += last.length + 1;
    }
    first ??= line;
    last = line;
  }
  if (first?.toString('utf8').startsWith('-- Parley backup')) {
    throw new BackupError(`${backup.source} is an unsigned SQL backup of an earlier Parley: refused, this Parley restores only signed backups; nothing was loaded`);
  }
  if (!first || !last || first === last) throw new BackupError(`${backup.source} is not a Parley backup: refused; nothing was loaded`);
  const manifest = parseManifest(verifySignedLine(last.toString('utf8'), backup.verifyKey));
  if (manifest.plaintext.sha256 !== hash.digest('hex') || manifest.plaintext.bytes !== bytes) {
    throw new BackupError(`${backup.source} does not match its signed manifest (SHA-256 and size of the content): refused; nothing was loaded`);
  }
  if (first.toString('utf8') !== HEADER) throw new BackupError(`${backup.source} has a signed manifest but no format 2 header: refused`);
  return manifest;
}

/**
 * The second pass over the same local file: the records between the header and the
 * signed line, for the loader. Hashes again and throws at the end if the bytes are not
 * the ones the first pass verified, so the loader's transaction cannot commit them.
 */
export async function* records(backup: LocalBackup, manifest: Manifest, count: (n: number) => void): AsyncGenerator<BackupRecord> {
  const hash = createHash('sha256');
  let bytes = 0;
  let lineNo = 0;
  let pending: Buffer | undefined;
  for await (const line of lines(backup, count)) {
    lineNo++;
    if (pending) {
      hash.update(pending).update('\n');
      bytes += pending.length + 1;
      if (lineNo > 2) yield parseRecord(pending.toString('utf8'), lineNo - 1);
    }
    pending = line;
  }
  if (hash.digest('hex') !== manifest.plaintext.sha256 || bytes !== manifest.plaintext.bytes) {
    throw new BackupError(`${backup.source} changed on disk between verifying and loading: refused`);
  }
}

/** The decrypted, decompressed lines of the file, without their newlines. */
async function* lines(backup: LocalBackup, count: (n: number) => void): AsyncGenerator<Buffer> {
  const input = createReadStream(backup.file);
  let decrypted: ReadableStream<Uint8Array>;
  try {
    decrypted = await backup.decrypter.decrypt(Readable.toWeb(input) as unknown as ReadableStream<Uint8Array>);
  } catch (err) {
    input.destroy();
    throw headerError(err as Error, backup);
  }
  const gunzip = createGunzip();
  const unpacking = pipeline(Readable.fromWeb(decrypted as unknown as WebReadableStream<Uint8Array>), gunzip);
  unpacking.catch(() => {});
  let read = 0;
  try {
    let carry: Buffer[] = [];
    let carried = 0;
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      read += chunk.length;
      count(chunk.length);
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        yield carry.length > 0 ? Buffer.concat([...carry, piece]) : piece;
        carry = [];
        carried = 0;
        start = nl + 1;
      }
      if (start < chunk.length) {
        carry.push(chunk.subarray(start));
        carried += chunk.length - start;
        if (carried > MAX_LINE_BYTES) throw new BackupError(`${backup.source} has a line longer than ${formatBytes(MAX_LINE_BYTES)}: not a Parley backup; nothing was loaded`);
      }
    }
    await unpacking;
    if (carry.length > 0) yield Buffer.concat(carry);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${backup.source} is damaged or was tampered with (${(err as Error).message} after ${formatBytes(read)}); nothing was restored`);
  } finally {
    gunzip.destroy();
    input.destroy();
  }
}

function headerError(err: Error, backup: LocalBackup): BackupError {
  if (err instanceof BackupError) return err;
  if (/no identity matched/.test(err.message)) return new BackupError(`the identity in ${backup.identityFile} cannot decrypt ${backup.source}: it was encrypted to other recipients`);
  return new BackupError(`${backup.source} is not an age-encrypted Parley backup, or its header is damaged (${err.message}); nothing was restored`);
}
