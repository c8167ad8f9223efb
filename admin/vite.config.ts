// The admin panel: a single-page app served by Parley itself under /admin/, so the
// strict CSP (no inline script or style) holds: hashed JS and CSS files only.
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  publicDir: false,
  logLevel: 'warn',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false, reactAliasesEnabled: false })],
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: fileURLToPath(new URL('../dist/admin', import.meta.url)),
    emptyOutDir: true,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    copyPublicDir: false,
    assetsDir: 'assets',
    cssCodeSplit: true,
    // The polyfill is an inline <script>, which the CSP refuses; every browser the panel supports has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
