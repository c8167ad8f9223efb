import { BackupError } from './config.js';
import { listRemote, rclone, remotePath } from './rclone.js';

/**
 * parley-20261123T132200Z.jsonl.gz.age: the UTC time the backup started is in its name.
 * Backups of earlier Parleys (.sql.gz.age, unsigned) are still recognised, so they expire.
 */
const NAME = /^parley-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.(?:jsonl|sql)\.gz\.age(\.partial)?$/;
const DAY_MS = 86_400_000;
/** A name dated further ahead than this was not written by a server with a sane clock. */
export const FUTURE_MS = 5 * 60_000;

export function backupName(at: Date): string {
  return `parley-${at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}.jsonl.gz.age`;
}

function futureNote(name: string, now: Date): string {
  return `${name}: dated more than 5 minutes after this machine's clock (${now.toISOString()}): a clock that ran ahead, or a file planted on the remote`;
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
 * (.partial) go after a day. Names dated more than five minutes in the future go too,
 * with a warning: they would otherwise never expire, and `latest` ignores them anyway.
 */
export async function pruneBackups(remote: string, retentionDays: number, now = new Date(), warn: (line: string) => void = () => {}): Promise<string[]> {
  const deleted: string[] = [];
  for (const entry of await listRemote(remote)) {
    const t = backupTime(entry.Name);
    if (!t) continue;
    if (t.at.getTime() - now.getTime() > FUTURE_MS) {
      await rclone(['deletefile', remotePath(remote, entry.Name)]);
      deleted.push(entry.Name);
      warn(`deleted ${futureNote(entry.Name, now)}`);
      continue;
    }
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
 * path, or a local file); a bare backup name, or "latest", on BACKUP_REMOTE. "latest"
 * is the newest by the time in the name, ignoring (with a warning) names dated in the
 * future, which would otherwise win every time.
 */
export async function resolveBackup(spec: string, remote: string | undefined, warn: (line: string) => void = () => {}, now = new Date()): Promise<string> {
  if (spec.includes(':') || spec.includes('/')) return spec;
  if (!remote) throw new BackupError(`"${spec}" is a bare name: set BACKUP_REMOTE, or give the full path (remote:path/${spec})`);
  if (spec !== 'latest') {
    if (!backupTime(spec)) throw new BackupError(`"${spec}" is not a Parley backup name (parley-YYYYMMDDTHHMMSSZ.jsonl.gz.age) or "latest"`);
    return remotePath(remote, spec);
  }
  const backups = (await listRemote(remote)).flatMap((e) => {
    const t = backupTime(e.Name);
    return t && !t.partial ? [{ name: e.Name, at: t.at.getTime() }] : [];
  });
  const future = backups.filter((b) => b.at - now.getTime() > FUTURE_MS);
  for (const b of future) warn(`ignoring ${futureNote(b.name, now)}`);
  const usable = backups.filter((b) => !future.includes(b)).sort((a, b) => a.at - b.at || a.name.localeCompare(b.name));
  if (usable.length === 0) throw new BackupError(`there is no backup on ${remote}${future.length > 0 ? ' dated up to now' : ''}`);
  return remotePath(remote, usable.at(-1)!.name);
}
