import { KATEX_FONT_FACES, KATEX_RULES } from 'virtual:katex-css';

/** KaTeX's rules, for the shadow root. */
export const katexRules: string = KATEX_RULES;

/** KaTeX's @font-face rules with absolute URLs on the Parley origin, for the host document. */
export function katexFontFaces(origin: string): string {
  return KATEX_FONT_FACES.split('url("fonts/').join(`url("${origin}/widget/fonts/`);
}
