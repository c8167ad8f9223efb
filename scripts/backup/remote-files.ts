import { BackupError } from './config.js';
import { listRemote, rclone, remotePath } from './rclone.js';

/** parley-20261123T132200Z.sql.gz.age: the UTC time the backup started is in its name. */
const NAME = /^parley-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.sql\.gz\.age(\.partial)?$/;
const DAY_MS = 86_400_000;

export function backupName(at: Date): string {
  return `parley-${at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}.sql.gz.age`;
}

/** The time in a backup's name, or undefined for files that are not Parley backups. */
export function backupTime(name: string): { at: Date; partial: boolean } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, partial] = m;
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  return Number.isNaN(at.getTime()) ? undefined : { at, partial: partial !== undefined };
}

/**
 * Deletes backups older than retentionDays, judged by the time in the name rather than
 * the remote's modification time, which copies, WebDAV servers and some object stores
 * reset. Files not named like a backup are never touched. Uploads that never finished
 * (.partial) go after a day.
 */
export async function pruneBackups(remote: string, retentionDays: number, now = new Date()): Promise<string[]> {
  const deleted: string[] = [];
  for (const entry of await listRemote(remote)) {
    const t = backupTime(entry.Name);
    if (!t) continue;
    const limit = t.partial ? DAY_MS : retentionDays * DAY_MS;
    if (now.getTime() - t.at.getTime() > limit) {
      await rclone(['deletefile', remotePath(remote, entry.Name)]);
      deleted.push(entry.Name);
    }
  }
  return deleted;
}

/**
 * What restore reads: a path with a colon or slash as rclone understands it (a remote
 * path, or a local file); a bare backup name, or "latest", on BACKUP_REMOTE.
 */
export async function resolveBackup(spec: string, remote: string | undefined): Promise<string> {
  if (spec.includes(':') || spec.includes('/')) return spec;
  if (!remote) throw new BackupError(`"${spec}" is a bare name: set BACKUP_REMOTE, or give the full path (remote:path/${spec})`);
  if (spec !== 'latest') {
    if (!backupTime(spec)) throw new BackupError(`"${spec}" is not a Parley backup name (parley-YYYYMMDDTHHMMSSZ.sql.gz.age) or "latest"`);
    return remotePath(remote, spec);
  }
  const names = (await listRemote(remote)).map((e) => e.Name).filter((n) => backupTime(n)?.partial === false).sort();
  if (names.length === 0) throw new BackupError(`there is no backup on ${remote}`);
  return remotePath(remote, names.at(-1)!);
}
