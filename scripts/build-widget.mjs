// Builds the widget into one directory (argument; default dist/widget): the chunks
// first, each renamed by its content hash, then the loader with their SHA-384
// integrity written in, so pinning the loader pins every byte it will ever run.
// Output depends only on the source tree: two builds give identical bytes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const configFile = join(root, 'vite.config.ts');

/** The chunks the loader may insert, by the name it asks for them with. */
export const CHUNKS = ['panel', 'katex'];

/** `chunks/<name>.<16 hex of SHA-384>.js`, and the `sha384-…` integrity, of a built file. */
export function chunkIdentity(name, bytes) {
  const digest = createHash('sha384').update(bytes).digest();
  return { file: `${name}.${digest.toString('hex').slice(0, 16)}.js`, integrity: `sha384-${digest.toString('base64')}` };
}

/** Builds loader and chunks into outDir; returns the chunk map written into the loader. logLevel: Vite's ('warn' for quiet). */
export async function buildWidgetInto(outDir, { logLevel } = {}) {
  mkdirSync(join(outDir, 'chunks'), { recursive: true });
  const chunks = {};
  for (const name of CHUNKS) {
    await build({ configFile, mode: name, logLevel, build: { outDir } });
    const built = join(outDir, 'chunks', `${name}.js`);
    chunks[name] = chunkIdentity(name, readFileSync(built));
    renameSync(built, join(outDir, 'chunks', chunks[name].file));
  }
  await build({ configFile, mode: 'loader', logLevel, build: { outDir }, define: { __PARLEY_CHUNKS__: JSON.stringify(chunks) } });
  return chunks;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildWidgetInto(process.argv[2] ?? join(root, 'dist', 'widget'));
}
