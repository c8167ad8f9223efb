import type { MarkdownIt, StateBlock, StateInline } from 'markdown-it';

/**
 * Math for markdown-it: `$…$` and `\(…\)` inline, `$$…$$` and `\[…\]` as display
 * math, inline or as a block of their own lines. Code spans and fences are parsed
 * first, so a `$` inside code stays a dollar; so does `\$`, and a `$` that looks
 * like money (`$5 and $10`: no closing `$` right after non-space, or one followed
 * by a digit).
 */
export function mathPlugin(md: MarkdownIt): void {
  md.inline.ruler.before('escape', 'math_inline', mathInline);
  md.block.ruler.before('paragraph', 'math_block', mathBlock, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
  md.renderer.rules.math_inline = (tokens, i, _o, env?: MathEnv) => renderTex(tokens[i]!.content, false, env);
  md.renderer.rules.math_display = (tokens, i, _o, env?: MathEnv) => renderTex(tokens[i]!.content, true, env);
  md.renderer.rules.math_block = (tokens, i, _o, env?: MathEnv) => `${renderTex(tokens[i]!.content, true, env)}\n`;
}

/** markdown-it's env for one render: set when a formula waited for KaTeX. */
export interface MathEnv {
  [key: string | symbol]: unknown;
  texPending?: boolean;
}

/** KaTeX's renderToString, once its chunk has arrived. */
let renderer: ((tex: string, displayMode: boolean) => string) | undefined;

export function setTexRenderer(fn: ((tex: string, displayMode: boolean) => string) | undefined): void {
  renderer = fn;
  cache.clear();
}

const PAIRS: [open: string, close: string, display: boolean][] = [
  ['$$', '$$', true],
  ['\\[', '\\]', true],
  ['\\(', '\\)', false],
];

function mathInline(state: StateInline, silent: boolean): boolean {
  const { src, pos } = state;
  const c = src.charCodeAt(pos);
  if (c !== 0x24 /* $ */ && c !== 0x5c /* \ */) return false;
  for (const [open, close, display] of PAIRS) {
    if (!src.startsWith(open, pos)) continue;
    const end = src.indexOf(close, pos + open.length);
    if (end === -1 || !src.slice(pos + open.length, end).trim()) return false;
    if (!silent) push(state, display ? 'math_display' : 'math_inline', src.slice(pos + open.length, end));
    state.pos = end + close.length;
    return true;
  }
  if (c !== 0x24) return false;
  const end = closingDollar(src, pos);
  if (end === -1) return false;
  if (!silent) push(state, 'math_inline', src.slice(pos + 1, end));
  state.pos = end + 1;
  return true;
}

/** Where a `$` opened at `pos` closes, or -1: pandoc's rules for inline TeX. */
function closingDollar(src: string, pos: number): number {
  if (/\s/.test(src[pos + 1] ?? ' ')) return -1;
  for (let i = pos + 1; i < src.length; i++) {
    if (src[i] === '\\') {
      i++;
      continue;
    }
    if (src[i] !== '$') continue;
    if (/\s/.test(src[i - 1]!) || /\d/.test(src[i + 1] ?? '')) continue;
    return i;
  }
  return -1;
}

function push(state: StateInline, type: string, content: string): void {
  const token = state.push(type, 'math', 0);
  token.content = content;
  token.markup = '$';
}

function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const first = state.src.slice(state.bMarks[startLine]! + state.tShift[startLine]!, state.eMarks[startLine]).trimEnd();
  const pair = PAIRS.find(([open, , display]) => display && first.startsWith(open));
  if (!pair) return false;
  const [open, close] = pair;
  let body = first.slice(open.length);
  let line = startLine;
  // Closed on its first line: `$$ x $$` alone on it.
  if (body.trimEnd().endsWith(close) && body.trimEnd().length >= close.length) {
    body = body.trimEnd().slice(0, -close.length);
    if (body.includes(close)) return false;
  } else {
    const lines = [body];
    for (;;) {
      line++;
      if (line >= endLine) return false;
      if (state.sCount[line]! < state.blkIndent) return false;
      const text = state.src.slice(state.bMarks[line]! + state.tShift[line]!, state.eMarks[line]).trimEnd();
      if (text.endsWith(close)) {
        lines.push(text.slice(0, -close.length));
        break;
      }
      lines.push(text);
    }
    body = lines.join('\n');
  }
  if (!body.trim()) return false;
  if (silent) return true;
  state.line = line + 1;
  const token = state.push('math_block', 'math', 0);
  token.block = true;
  token.content = body;
  token.markup = open;
  token.map = [startLine, state.line];
  return true;
}

/** Where KaTeX's inline styles wait for sanitize.ts. */
export const KATEX_STYLE_ATTR = 'data-katex-style';

const cache = new Map<string, string>();
const CACHE_SIZE = 300;

/**
 * KaTeX's markup for one formula; the same formula re-rendered while a reply streams
 * comes from a cache. Before KaTeX has arrived: the TeX as code, and env says so.
 */
export function renderTex(tex: string, displayMode: boolean, env?: MathEnv): string {
  if (!renderer) {
    if (env) env.texPending = true;
    return `<code class="${displayMode ? 'tex tex-display' : 'tex'}">${escapeHtml(tex)}</code>`;
  }
  const key = `${displayMode ? 'D' : 'I'}${tex}`;
  let html = cache.get(key);
  if (html === undefined) {
    try {
      html = renderer(tex, displayMode)
        // Parsing a style attribute is what a strict host CSP blocks, even in DOMPurify's inert
        // document; sanitize.ts applies these through CSSOM instead. KaTeX escapes attribute
        // values and text, so ` style="` only ever starts one of its attributes.
        .replace(/ style="/g, ` ${KATEX_STYLE_ATTR}="`);
    } catch {
      html = `<code>${escapeHtml(tex)}</code>`;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, html);
  }
  return html;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
