import type { Manifest } from './manifest.js';
import { backupTime } from './remote-files.js';

/**
 * When the backup was taken, as the server signed it: someone who can write to the
 * remote cannot forge a backup, but can put an older genuine one under a newer name.
 * The signed time says which one it really is; a name that disagrees is pointed out.
 */
export function describeTaken(source: string, manifest: Manifest, now = new Date()): string[] {
  const taken = new Date(manifest.createdAt);
  const hours = (now.getTime() - taken.getTime()) / 3_600_000;
  const lines = [`taken ${manifest.createdAt} (signed), ${hours.toFixed(1)} hours ago: check that this is the backup you expect`];
  const named = backupTime(source.split(/[/:]/).at(-1)!);
  if (named && Math.abs(named.at.getTime() - taken.getTime()) > 10 * 60_000) {
    lines.push(`warning: the file name says ${named.at.toISOString()}, but the backup was signed at ${manifest.createdAt}: it was renamed, perhaps to pass an older backup off as a newer one`);
  }
  return lines;
}
