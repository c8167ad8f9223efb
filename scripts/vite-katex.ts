// Build-time handling of KaTeX's stylesheet for the widget (see vite.config.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const MODULE_ID = 'virtual:katex-css';
const RESOLVED_ID = `\0${MODULE_ID}`;
const FONT_FACE = /@font-face\{([^}]*)\}/g;

/**
 * `virtual:katex-css` exports KaTeX's rules without their @font-face blocks
 * (KATEX_RULES, for the shadow root) and the @font-face blocks reduced to the
 * .woff2 source (KATEX_FONT_FACES, with `url("fonts/…")` for the widget to make
 * absolute: Chrome ignores @font-face inside a shadow root, so they go on the
 * host document). The .woff2 files are emitted to fonts/ beside the bundle that
 * imports it (the KaTeX chunk).
 */
export function katexCss(): Plugin {
  const katexDir = dirname(createRequire(import.meta.url).resolve('katex/package.json'));
  const fontsDir = join(katexDir, 'dist', 'fonts');
  let used = false;
  return {
    name: 'parley-katex-css',
    resolveId: (id) => (id === MODULE_ID ? RESOLVED_ID : undefined),
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      used = true;
      const css = readFileSync(join(katexDir, 'dist', 'katex.min.css'), 'utf8');
      const faces: string[] = [];
      const rules = css.replace(FONT_FACE, (_, body: string) => {
        const woff2 = /url\((fonts\/[\w-]+\.woff2)\)/.exec(body)?.[1];
        if (!woff2) throw new Error(`katex.min.css: an @font-face without a .woff2 source: ${body}`);
        faces.push(`@font-face{${body.replace(/src:[^;}]*/, `src:url("${woff2}") format("woff2")`)}}`);
        return '';
      });
      if (faces.length === 0) throw new Error('katex.min.css: no @font-face rules found');
      return `export const KATEX_RULES = ${JSON.stringify(rules)};\nexport const KATEX_FONT_FACES = ${JSON.stringify(faces.join(''))};\n`;
    },
    generateBundle() {
      if (!used) return;
      for (const file of readdirSync(fontsDir).filter((f) => f.endsWith('.woff2'))) {
        this.emitFile({ type: 'asset', fileName: `fonts/${file}`, source: readFileSync(join(fontsDir, file)) });
      }
    },
  };
}
