import { readFileSync } from 'node:fs';
import { Decrypter } from 'age-encryption';
import { BackupError } from './config.js';

/**
 * A Decrypter holding the identities of an `age-keygen` file: AGE-SECRET-KEY-1… lines;
 * blank lines and # comments (the public key, the creation date) are skipped.
 */
export function decrypterFromIdentityFile(file: string): Decrypter {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BackupError(`--identity: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const decrypter = new Decrypter();
  let count = 0;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('age1')) throw new BackupError(`--identity: line ${index + 1} of ${file} is a public key (age1…); restoring needs the private identity (AGE-SECRET-KEY-1…) kept offline`);
    if (!line.startsWith('AGE-SECRET-KEY-1')) throw new BackupError(`--identity: line ${index + 1} of ${file} is not an age identity (AGE-SECRET-KEY-1…)`);
    try {
      decrypter.addIdentity(line);
    } catch (err) {
      throw new BackupError(`--identity: line ${index + 1} of ${file} is not a valid age identity (${(err as Error).message})`);
    }
    count++;
  }
  if (count === 0) throw new BackupError(`--identity: ${file} holds no identity (AGE-SECRET-KEY-1…)`);
  return decrypter;
}
