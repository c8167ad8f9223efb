// Size of the widget bundle a visitor's browser downloads: raw, gzip, brotli.
import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const WIDGET = 'dist/widget/widget.js';

export function widgetSizes(path = WIDGET): { raw: number; gzip: number; brotli: number } {
  const bytes = readFileSync(path);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

export async function benchWidgetSize(): Promise<void> {
  console.log('## Widget size\n');
  if (!existsSync(WIDGET)) throw new Error(`${WIDGET} is missing; run npm run build first`);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
  const { raw, gzip, brotli } = widgetSizes();
  console.log(`widget.js  raw ${kb(raw)}  gzip ${kb(gzip)}  brotli ${kb(brotli)}`);
}
