// Builds one part of the embeddable widget, chosen by the mode (scripts/build-widget.mjs
// runs all three): `loader` → widget.js, `panel` and `katex` → chunks/<name>.js, each one
// self-contained classic script (IIFE, no imports, no global), plus KaTeX's fonts, named
// by content (scripts/vite-katex.ts).
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { katexCss } from './scripts/vite-katex.js';

const ENTRIES: Record<string, { entry: string; file: string }> = {
  loader: { entry: 'main.ts', file: 'widget.js' },
  panel: { entry: 'panel.tsx', file: 'chunks/panel.js' },
  katex: { entry: 'katex.ts', file: 'chunks/katex.js' },
};

export default defineConfig(({ mode }) => {
  const part = ENTRIES[mode];
  if (!part) throw new Error(`vite.config.ts: build with --mode ${Object.keys(ENTRIES).join('|')} (scripts/build-widget.mjs does)`);
  return {
    root: fileURLToPath(new URL('./widget', import.meta.url)),
    publicDir: false,
    logLevel: 'warn',
    plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false, reactAliasesEnabled: false }), katexCss()],
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      outDir: fileURLToPath(new URL('./dist/widget', import.meta.url)),
      emptyOutDir: false,
      target: 'es2020',
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      copyPublicDir: false,
      lib: {
        entry: part.entry,
        formats: ['iife'],
        name: 'ParleyWidget',
        fileName: () => part.file,
      },
      rolldownOptions: {
        output: { codeSplitting: false },
      },
    },
  };
});
