// Compiles the server into dist/ and copies the files tsc does not emit (SQL migrations).
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BUILD_STAMP = join(root, 'dist', '.build-stamp');

export function build() {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('TypeScript build failed');
  cpSync(join(root, 'server', 'db', 'migrations'), join(root, 'dist', 'server', 'db', 'migrations'), { recursive: true });
  writeFileSync(BUILD_STAMP, new Date().toISOString());
}

/** True when dist/ is missing or older than any source it is built from. */
export function isStale() {
  if (!existsSync(BUILD_STAMP)) return true;
  const built = statSync(BUILD_STAMP).mtimeMs;
  const sources = ['server', 'package.json', 'tsconfig.json', 'tsconfig.build.json'].map((p) => join(root, p));
  return sources.some((p) => newest(p) > built);
}

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
