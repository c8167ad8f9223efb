// Provided at build time by scripts/vite-katex.ts.
declare module 'virtual:katex-css' {
  /** katex.min.css without its @font-face rules. */
  export const KATEX_RULES: string;
  /** Its @font-face rules, .woff2 only, with relative `url("fonts/…")`. */
  export const KATEX_FONT_FACES: string;
}
