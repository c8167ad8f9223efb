import katex from 'katex';

/** KaTeX with the widget's options: no trust (no \href, \url, \includegraphics), bounded size and macro expansion. */
export function renderTexWithKatex(tex: string, displayMode: boolean): string {
  return katex.renderToString(tex, { displayMode, throwOnError: false, trust: false, strict: 'ignore', output: 'htmlAndMathml', maxSize: 50, maxExpand: 500 });
}
