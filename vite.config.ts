// Builds the embeddable widget: widget/main.tsx → dist/widget/widget.js, one
// self-contained IIFE (no chunks, no external code), plus KaTeX's fonts.
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { katexCss } from './scripts/vite-katex.js';

export default defineConfig({
  root: fileURLToPath(new URL('./widget', import.meta.url)),
  publicDir: false,
  logLevel: 'warn',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false, reactAliasesEnabled: false }), katexCss()],
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: fileURLToPath(new URL('./dist/widget', import.meta.url)),
    emptyOutDir: true,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    copyPublicDir: false,
    lib: {
      entry: 'main.tsx',
      formats: ['iife'],
      name: 'ParleyWidget',
      fileName: () => 'widget.js',
    },
    rolldownOptions: {
      output: { codeSplitting: false },
    },
  },
});
