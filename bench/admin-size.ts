// Size of the admin panel as a browser downloads it on first load: index.html, the
// entry script and stylesheet, and the chunks loaded later (the legal pages' markdown).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileSizes, type FileSizes } from './widget-size.js';

const DIST = 'dist/admin';

/** index.html and assets/* of a built panel, by path relative to dir. */
export function adminSizes(dir = DIST): Map<string, FileSizes> {
  const files = ['index.html', ...readdirSync(join(dir, 'assets')).sort().map((f) => `assets/${f}`)];
  return new Map(files.map((f) => [f, fileSizes(join(dir, f))]));
}

export async function benchAdminSize(): Promise<void> {
  console.log('## Admin panel size\n');
  if (!existsSync(join(DIST, 'index.html'))) throw new Error(`${DIST}/index.html is missing; run npm run build first`);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
  const sizes = adminSizes();
  const width = Math.max(...[...sizes.keys()].map((f) => f.length));
  for (const [file, { raw, gzip, brotli }] of sizes) {
    console.log(`${file.padEnd(width)}  raw ${kb(raw)}  gzip ${kb(gzip)}  brotli ${kb(brotli)}`);
  }
  // What every first visit loads: the page, the entry script and the CSS (the markdown chunk only on legal pages).
  const first = [...sizes].filter(([f]) => f === 'index.html' || /^assets\/index-.*\.(js|css)$/.test(f)).reduce((sum, [, s]) => sum + s.gzip, 0);
  console.log(`\nfirst load: ${kb(first).trim()} gzip`);
}
