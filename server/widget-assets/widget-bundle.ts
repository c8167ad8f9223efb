import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** dist/widget/ of this checkout, found from here whether running from server/ (tsx) or dist/server/ (npm start). */
export function defaultWidgetDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('widget assets: no package.json above the server code');
    dir = parent;
  }
  return join(dir, 'dist', 'widget');
}

/** A built widget script in memory, with its ETag and compressed forms. */
export interface Bundle {
  raw: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  etag: string;
}

/**
 * Loads widget.js (the loader), and loads it again when the file changes (a rebuild
 * while the server runs). Compression happens once per version, off the event loop.
 * Resolves undefined while the file does not exist.
 */
export function bundleLoader(dir: string): () => Promise<Bundle | undefined> {
  return changingFileLoader(join(dir, 'widget.js'));
}

/** One file that may be replaced while the server runs (by rename), read and compressed once per version. */
export function changingFileLoader(file: string): () => Promise<Bundle | undefined> {
  let loaded: { mtimeMs: number; size: number; bundle: Promise<Bundle> } | undefined;
  return async () => {
    const info = await stat(file).catch(() => undefined);
    if (!info) {
      loaded = undefined;
      return undefined;
    }
    if (!loaded || loaded.mtimeMs !== info.mtimeMs || loaded.size !== info.size) {
      const bundle = compress(await readFile(file));
      loaded = { mtimeMs: info.mtimeMs, size: info.size, bundle };
      bundle.catch(() => (loaded = undefined));
    }
    return loaded.bundle;
  };
}

/** What a chunk's file name looks like: `<name>.<16 hex of its SHA-384>.js` (scripts/build-widget.mjs). */
export const CHUNK_FILE = /^[a-z][a-z0-9-]*\.[0-9a-f]{16}\.js$/;

/**
 * The chunks the built loader in dir pins, in the order it names them. dir/chunks/ may
 * also hold the previous build's (scripts/build.mjs keeps them for cached loaders).
 */
export function loaderChunks(dir: string): string[] {
  try {
    const loader = readFileSync(join(dir, 'widget.js'), 'utf8');
    return [...new Set(loader.match(/[a-z][a-z0-9-]*\.[0-9a-f]{16}\.js/g) ?? [])].filter((f) => CHUNK_FILE.test(f));
  } catch {
    return [];
  }
}

/** The content-named chunks in dir/chunks/ (see immutableFileLoader). */
export function chunkLoader(dir: string): (file: string) => Promise<Bundle | undefined> {
  return immutableFileLoader(join(dir, 'chunks'), CHUNK_FILE);
}

/**
 * Files in dir whose names match pattern and whose bytes never change under their name
 * (content-named chunks, published versions). Only names from the directory listing are
 * ever read (no path from a request reaches the file system); a name missing from the
 * listing makes it read the listing again, for a build or release made after start-up.
 * Each file is read and compressed once.
 */
export function immutableFileLoader(dir: string, pattern: RegExp): (file: string) => Promise<Bundle | undefined> {
  const list = () => fileNames(dir, pattern);
  let names = list();
  const loaded = new Map<string, Promise<Bundle>>();
  return async (file) => {
    if (!pattern.test(file)) return undefined;
    if (!names.has(file)) names = list();
    if (!names.has(file)) return undefined;
    let bundle = loaded.get(file);
    if (!bundle) {
      bundle = readFile(join(dir, file)).then(compress);
      loaded.set(file, bundle);
      bundle.catch(() => loaded.delete(file));
    }
    return bundle.catch(() => undefined);
  };
}

async function compress(raw: Buffer): Promise<Bundle> {
  const [gz, br] = await Promise.all([
    gzipAsync(raw, { level: 9 }),
    brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
  ]);
  const etag = `"${createHash('sha256').update(raw).digest('base64url').slice(0, 32)}"`;
  return { raw, gzip: gz, brotli: br, etag };
}

/** A KaTeX font as built: `<KaTeX name>.<16 hex of its SHA-384>.woff2` (scripts/vite-katex.ts), so its bytes never change under its name. */
export const FONT_FILE = /^KaTeX_[A-Za-z0-9-]+\.[0-9a-f]{16}\.woff2$/;
/**
 * KaTeX's font files in dir/fonts/: content-named, or under KaTeX's own fixed names as
 * versions released before fonts were content-named ask for them. Only these names are
 * ever served.
 */
export function fontNames(dir: string): Set<string> {
  return fileNames(join(dir, 'fonts'), /^KaTeX_[A-Za-z0-9-]+(?:\.[0-9a-f]{16})?\.woff2$/);
}

/** The names in dir that match pattern; none when dir does not exist. */
export function fileNames(dir: string, pattern: RegExp): Set<string> {
  try {
    return new Set(readdirSync(dir).filter((f) => pattern.test(f)));
  } catch {
    return new Set();
  }
}
