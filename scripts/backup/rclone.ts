import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { BackupError } from './config.js';

const RCLONE = process.env.RCLONE_BINARY ?? 'rclone';

/** A file on a remote, as `rclone lsjson` lists it. */
export interface RemoteEntry {
  Name: string;
  Size: number;
  ModTime: string;
  IsDir: boolean;
}

/** remote + name: `offsite:parley` + `x` is `offsite:parley/x`, `offsite:` + `x` is `offsite:x`. */
export function remotePath(remote: string, name: string): string {
  return /[:/]$/.test(remote) ? `${remote}${name}` : `${remote}/${name}`;
}

/** Runs rclone to completion; rejects with its last stderr lines. */
export async function rclone(args: string[]): Promise<string> {
  const child = spawn(RCLONE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => out.push(c));
  await exited(child, `rclone ${args[0]}`);
  return Buffer.concat(out).toString('utf8');
}

/** `rclone rcat path`: uploads what is written to the returned child's stdin. */
export function rcat(path: string): ChildProcess {
  return spawn(RCLONE, ['rcat', path], { stdio: ['pipe', 'ignore', 'pipe'] });
}

/** `rclone cat path`: the file's bytes on stdout. */
export function cat(path: string): { stdout: Readable; done: Promise<void>; kill: () => void } {
  const child = spawn(RCLONE, ['cat', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  return { stdout: child.stdout!, done: exited(child, `rclone cat ${path}`), kill: () => child.kill('SIGKILL') };
}

export async function listRemote(remote: string): Promise<RemoteEntry[]> {
  return JSON.parse(await rclone(['lsjson', '--files-only', remote])) as RemoteEntry[];
}

/** Resolves when the child exits 0; otherwise rejects with a BackupError quoting its stderr. */
export function exited(child: ChildProcess, label: string): Promise<void> {
  const err: Buffer[] = [];
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  return new Promise((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new BackupError(e.code === 'ENOENT' ? `${label}: ${child.spawnfile} is not installed (apt-get install ${child.spawnfile === 'rclone' ? 'rclone' : 'postgresql-client'})` : `${label}: ${e.message}`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const text = Buffer.concat(err).toString('utf8').trim().split('\n').filter((l) => !/Config file .* not found/.test(l)).slice(-3).join(' / ');
      reject(new BackupError(`${label} failed (${signal ?? `exit ${code}`})${text ? `: ${text}` : ''}`));
    });
  });
}
