import { Encrypter } from 'age-encryption';
import { z } from 'zod';

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
  /** Days a backup is kept on the remote before `npm run backup` deletes it. */
  BACKUP_RETENTION_DAYS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(36_500).optional()).default(30),
});

export interface BackupConfig {
  remote: string;
  recipients: string[];
  retentionDays: number;
}

/** Parses BACKUP_REMOTE, BACKUP_RECIPIENTS and BACKUP_RETENTION_DAYS; throws BackupError naming the variable. */
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
  return { remote: parseRemote(parsed.data.BACKUP_REMOTE), recipients, retentionDays: parsed.data.BACKUP_RETENTION_DAYS };
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
