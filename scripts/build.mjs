// Compiles the server into dist/ (plus the files tsc does not emit: SQL migrations, legal templates)
// and bundles the widget into dist/widget/ and the admin panel into dist/admin/ with Vite.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BUILD_STAMP = join(root, 'dist', '.build-stamp');
const WIDGET_DIR = join(root, 'dist', 'widget');
export const WIDGET_STAMP = join(WIDGET_DIR, '.build-stamp');
const ADMIN_DIR = join(root, 'dist', 'admin');
export const ADMIN_STAMP = join(ADMIN_DIR, '.build-stamp');

const SERVER_SOURCES = ['server', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
const ADMIN_SOURCES = ['admin', 'package.json', 'package-lock.json'];
const WIDGET_SOURCES = ['widget', 'vite.config.ts', 'scripts/vite-katex.ts', 'scripts/build-widget.mjs', 'package.json', 'package-lock.json'];

/** Builds everything, or with onlyStale, only the parts older than their sources. */
export function build({ onlyStale = false } = {}) {
  if (!onlyStale || serverStale()) buildServer();
  if (!onlyStale || widgetStale()) buildWidget();
  if (!onlyStale || adminStale()) buildAdmin();
}

export function buildServer() {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('TypeScript build failed');
  cpSync(join(root, 'server', 'db', 'migrations'), join(root, 'dist', 'server', 'db', 'migrations'), { recursive: true });
  cpSync(join(root, 'server', 'legal', 'templates'), join(root, 'dist', 'server', 'legal', 'templates'), { recursive: true });
  writeFileSync(BUILD_STAMP, new Date().toISOString());
}

/**
 * Bundles the widget (scripts/build-widget.mjs) into a staging directory, then swaps
 * it in: a server running meanwhile never finds dist/widget/ half-written.
 */
export function buildWidget() {
  const staging = join(root, 'dist', `.widget-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-widget.mjs'), staging], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error('widget build failed');
  }
  writeFileSync(join(staging, '.build-stamp'), new Date().toISOString());
  carryOverChunks(WIDGET_DIR, staging);
  const old = join(root, 'dist', `.widget-old-${process.pid}`);
  if (existsSync(WIDGET_DIR)) renameSync(WIDGET_DIR, old);
  renameSync(staging, WIDGET_DIR);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Bundles the admin panel (admin/vite.config.ts) into a staging directory, then swaps
 * it in, like the widget. Its files are content-hashed, so no old ones need keeping:
 * a panel already open keeps its loaded script and CSS.
 */
export function buildAdmin() {
  const staging = join(root, 'dist', `.admin-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const args = [vite, 'build', '--config', join(root, 'admin', 'vite.config.ts'), '--outDir', staging, '--emptyOutDir'];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error('admin panel build failed');
  }
  writeFileSync(join(staging, '.build-stamp'), new Date().toISOString());
  const old = join(root, 'dist', `.admin-old-${process.pid}`);
  if (existsSync(ADMIN_DIR)) renameSync(ADMIN_DIR, old);
  renameSync(staging, ADMIN_DIR);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Browsers may hold the previous loader for a few minutes (/widget.js is cached for
 * 300 s) and it asks for the chunks it pins: keep those beside the new build's, and
 * the fonts those chunks name (`fonts/<file>` in the result). Only the previous
 * loader's own, so they do not pile up build after build.
 */
export function carryOverChunks(from, to) {
  const loader = join(from, 'widget.js');
  if (!existsSync(loader)) return [];
  const pinned = new Set(readFileSync(loader, 'utf8').match(/[a-z][a-z0-9-]*\.[0-9a-f]{16}\.js/g) ?? []);
  const carried = [];
  const carry = (path, name) => {
    if (existsSync(join(from, path)) && !existsSync(join(to, path))) {
      cpSync(join(from, path), join(to, path));
      carried.push(name);
    }
  };
  for (const file of pinned) {
    carry(join('chunks', file), file);
    if (!existsSync(join(from, 'chunks', file))) continue;
    const fonts = new Set(readFileSync(join(from, 'chunks', file), 'utf8').match(/KaTeX_[A-Za-z0-9-]+(?:\.[0-9a-f]{16})?\.woff2/g) ?? []);
    for (const font of fonts) carry(join('fonts', font), `fonts/${font}`);
  }
  return carried;
}

/** True when dist/ is missing or older than any source it is built from. */
export function isStale() {
  return serverStale() || widgetStale() || adminStale();
}

export function serverStale() {
  return olderThanSources(BUILD_STAMP, SERVER_SOURCES);
}

export function widgetStale() {
  return olderThanSources(WIDGET_STAMP, WIDGET_SOURCES);
}

export function adminStale() {
  return olderThanSources(ADMIN_STAMP, ADMIN_SOURCES);
}

function olderThanSources(stamp, sources) {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return sources.map((p) => join(root, p)).some((p) => existsSync(p) && newest(p) > built);
}

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

// `node scripts/build.mjs` builds everything; `node scripts/build.mjs widget` (or `admin`) only that.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'widget') buildWidget();
  else if (process.argv[2] === 'admin') buildAdmin();
  else build();
}
