// Size of what a visitor's browser downloads: the loader (every page view) and each
// chunk (only when needed), raw, gzip and brotli. Sizes are deterministic, so a test
// may assert a budget on them (test/integration/widget-assets.test.ts); timings may not.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { loaderChunks } from '../server/widget-assets/widget-bundle.js';

const DIST = 'dist/widget';

/** The loader's gzip budget: 5 KiB (issue 4). */
export const LOADER_GZIP_BUDGET = 5 * 1024;

export interface FileSizes {
  raw: number;
  gzip: number;
  brotli: number;
}

export function fileSizes(path: string): FileSizes {
  const bytes = readFileSync(path);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** widget.js and chunks/*.js of a built widget, by path relative to dir. */
export function widgetSizes(dir = DIST): Map<string, FileSizes> {
  const files = ['widget.js', ...loaderChunks(dir).sort().map((f) => `chunks/${f}`)];
  return new Map(files.map((f) => [f, fileSizes(join(dir, f))]));
}

export async function benchWidgetSize(): Promise<void> {
  console.log('## Widget size\n');
  if (!existsSync(join(DIST, 'widget.js'))) throw new Error(`${DIST}/widget.js is missing; run npm run build first`);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
  const sizes = widgetSizes();
  const width = Math.max(...[...sizes.keys()].map((f) => f.length));
  for (const [file, { raw, gzip, brotli }] of sizes) {
    console.log(`${file.padEnd(width)}  raw ${kb(raw)}  gzip ${kb(gzip)}  brotli ${kb(brotli)}`);
  }
  const loader = sizes.get('widget.js')!;
  console.log(`\nloader gzip ${loader.gzip} B of a ${LOADER_GZIP_BUDGET} B budget; a page whose visitor never opens the chat loads only the loader`);
}
