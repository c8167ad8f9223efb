import type { KeyObject } from 'node:crypto';
import { Encrypter } from 'age-encryption';
import { z } from 'zod';
import { parseSigningKey, parseVerifyKey } from './signing.js';

/** An expected failure (bad configuration, bad input, a refused restore): one line, exit 1, no stack trace. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** X25519 recipients as `age-keygen` prints them: bech32, lower case, 59 characters. */
const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

/** The backup settings. Each one has a row in the README's configuration table. */
const backupEnvSchema = z.object({
  /** Where backups go: any rclone remote path (`offsite:parley`, `:local:/var/backups/parley`). */
  BACKUP_REMOTE: z.string().trim().min(1, { error: 'required: an rclone remote path such as offsite:parley' }),
  /** age public keys (age1…) that can decrypt backups, comma-separated; their identities stay offline. */
  BACKUP_RECIPIENTS: z.string().trim().min(1, { error: 'required: one or more age public keys (age1…), comma-separated' }),
  /** The Ed25519 private key backups are signed with (base64 PKCS#8 DER or PEM, `npm run backup:keygen`); not an age key. */
  BACKUP_SIGNING_KEY: z.string().optional(),
  /** Days a backup is kept on the remote before `npm run backup` deletes it. */
  BACKUP_RETENTION_DAYS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(36_500).optional()).default(30),
});

export interface BackupConfig {
  remote: string;
  recipients: string[];
  retentionDays: number;
  signingKey: KeyObject;
}

/** Parses BACKUP_REMOTE, BACKUP_RECIPIENTS, BACKUP_SIGNING_KEY and BACKUP_RETENTION_DAYS; throws BackupError naming the variable. */
export function parseBackupConfig(env: NodeJS.ProcessEnv = process.env): BackupConfig {
  const parsed = backupEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BackupError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const recipients = parsed.data.BACKUP_RECIPIENTS.split(',').map((s) => s.trim()).filter(Boolean);
  for (const r of recipients) {
    if (r.startsWith('AGE-SECRET-KEY-')) {
      throw new BackupError('BACKUP_RECIPIENTS: holds a private identity (AGE-SECRET-KEY-…); put only public keys (age1…) on the server and keep the identity offline');
    }
    if (!RECIPIENT.test(r)) throw new BackupError(`BACKUP_RECIPIENTS: "${r.slice(0, 20)}" is not an age X25519 public key (age1 followed by 58 characters)`);
    try {
      new Encrypter().addRecipient(r);
    } catch (err) {
      throw new BackupError(`BACKUP_RECIPIENTS: "${r.slice(0, 20)}…" is not a valid age public key (${(err as Error).message})`);
    }
  }
  // Checked after the recipients, whose mistakes (a private identity on the server) matter more.
  if (!parsed.data.BACKUP_SIGNING_KEY?.trim()) throw new BackupError('BACKUP_SIGNING_KEY: required: the Ed25519 key backups are signed with; npm run backup:keygen makes one');
  const signingKey = parseSigningKey(parsed.data.BACKUP_SIGNING_KEY);
  return { remote: parseRemote(parsed.data.BACKUP_REMOTE), recipients, retentionDays: parsed.data.BACKUP_RETENTION_DAYS, signingKey };
}

/** The public key restore and backup:verify check signatures with: --verify-key, else BACKUP_VERIFY_KEY. */
export function parseVerifyKeyOption(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): KeyObject {
  if (flag) return parseVerifyKey(flag, '--verify-key');
  const value = env.BACKUP_VERIFY_KEY?.trim();
  if (!value) throw new BackupError('BACKUP_VERIFY_KEY: required: the public half of BACKUP_SIGNING_KEY (npm run backup:keygen prints both), or --verify-key KEY; unsigned backups are not restored');
  return parseVerifyKey(value);
}

/** BACKUP_REMOTE alone, for restore, which needs no recipients. */
export function parseBackupRemote(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.BACKUP_REMOTE?.trim();
  return value ? parseRemote(value) : undefined;
}

function parseRemote(value: string): string {
  if (!value.includes(':')) {
    throw new BackupError(`BACKUP_REMOTE: "${value}" is not an rclone remote path; write remote:path (offsite:parley) or :local:/absolute/path`);
  }
  return value;
}
