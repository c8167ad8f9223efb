// Build-time handling of KaTeX's stylesheet for the widget (see vite.config.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const MODULE_ID = 'virtual:katex-css';
const RESOLVED_ID = `\0${MODULE_ID}`;
const FONT_FACE = /@font-face\{([^}]*)\}/g;

/**
 * A font's published name: `KaTeX_Main-Regular.<16 hex of its SHA-384>.woff2`, as the
 * chunks are named (scripts/build-widget.mjs). Fonts are cached for a year as
 * immutable, so a KaTeX upgrade that changes a font must give it a new name: under
 * a fixed name, `npm run release` would refuse to rewrite it and browsers would keep
 * the old bytes.
 */
export function fontFileName(file: string, bytes: Buffer): string {
  const stem = /^(KaTeX_[A-Za-z0-9-]+)\.woff2$/.exec(file)?.[1];
  if (!stem) throw new Error(`KaTeX font with an unexpected name: ${file}`);
  return `${stem}.${createHash('sha384').update(bytes).digest('hex').slice(0, 16)}.woff2`;
}

/**
 * `virtual:katex-css` exports KaTeX's rules without their @font-face blocks
 * (KATEX_RULES, for the shadow root) and the @font-face blocks reduced to the
 * .woff2 source (KATEX_FONT_FACES, with `url("fonts/<content-named file>")` for
 * the widget to make absolute: Chrome ignores @font-face inside a shadow root, so
 * they go on the host document). The .woff2 files are emitted under those names to
 * fonts/ beside the bundle that imports it (the KaTeX chunk).
 */
export function katexCss(): Plugin {
  const katexDir = dirname(createRequire(import.meta.url).resolve('katex/package.json'));
  const fontsDir = join(katexDir, 'dist', 'fonts');
  /** KaTeX's file name → the content-named one, for the fonts the CSS uses. */
  const fonts = new Map<string, string>();
  return {
    name: 'parley-katex-css',
    resolveId: (id) => (id === MODULE_ID ? RESOLVED_ID : undefined),
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      const css = readFileSync(join(katexDir, 'dist', 'katex.min.css'), 'utf8');
      const faces: string[] = [];
      const rules = css.replace(FONT_FACE, (_, body: string) => {
        const file = /url\(fonts\/([\w-]+\.woff2)\)/.exec(body)?.[1];
        if (!file) throw new Error(`katex.min.css: an @font-face without a .woff2 source: ${body}`);
        const named = fonts.get(file) ?? fontFileName(file, readFileSync(join(fontsDir, file)));
        fonts.set(file, named);
        faces.push(`@font-face{${body.replace(/src:[^;}]*/, `src:url("fonts/${named}") format("woff2")`)}}`);
        return '';
      });
      if (faces.length === 0) throw new Error('katex.min.css: no @font-face rules found');
      return `export const KATEX_RULES = ${JSON.stringify(rules)};\nexport const KATEX_FONT_FACES = ${JSON.stringify(faces.join(''))};\n`;
    },
    generateBundle() {
      for (const [file, named] of fonts) {
        this.emitFile({ type: 'asset', fileName: `fonts/${named}`, source: readFileSync(join(fontsDir, file)) });
      }
    },
  };
}
