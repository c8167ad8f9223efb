export const richTextCss = `
.md > :first-child { margin-top: 0; }
.md > :last-child { margin-bottom: 0; }
.md p, .md ul, .md ol, .md pre, .md blockquote, .md table, .md .katex-display { margin: 0 0 0.65em; }
.md ul, .md ol { padding-left: 1.35em; }
.md li + li, .md li > ul, .md li > ol { margin-top: 0.2em; }
.md li > p { margin: 0; }
.md h1, .md h2, .md h3, .md h4, .md h5, .md h6 { margin: 0.9em 0 0.4em; font-size: 1em; font-weight: 650; line-height: 1.3; }
.md h1 { font-size: 1.2em; }
.md h2 { font-size: 1.12em; }
.md h3 { font-size: 1.05em; }
.md strong { font-weight: 650; }
.md a { color: inherit; text-decoration: underline; text-decoration-thickness: 1px; text-underline-offset: 2px; }
.md a:hover { text-decoration-thickness: 2px; }
.md code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace;
  font-size: 0.86em;
  padding: 0.12em 0.36em;
  border-radius: 5px;
  background: var(--parley-code);
}
.md pre {
  padding: 10px 12px;
  border-radius: 10px;
  background: var(--parley-pre-bg);
  color: var(--parley-pre-fg);
  overflow-x: auto;
  font-size: 13px;
  line-height: 1.5;
  white-space: pre;
}
.md pre code { padding: 0; background: none; font-size: inherit; color: inherit; }
.md blockquote { padding-left: 0.8em; border-left: 3px solid var(--parley-border); color: var(--parley-muted); }
.md hr { border: 0; border-top: 1px solid var(--parley-border); margin: 0.9em 0; }
.md table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; font-size: 0.92em; }
.md th, .md td { padding: 5px 9px; border: 1px solid var(--parley-border); text-align: left; }
.md th { font-weight: 600; background: var(--parley-code); }
.md .katex { font-size: 1.08em; }
.md .katex-display { overflow-x: auto; overflow-y: hidden; padding: 4px 0; }
.md .katex-display > .katex { white-space: nowrap; }
`;
