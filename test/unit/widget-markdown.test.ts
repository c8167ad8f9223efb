import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { renderTexWithKatex } from '../../widget/render/katex-engine.js';
import { markdownToHtml, renderMarkdown } from '../../widget/render/markdown.js';
import { setTexRenderer } from '../../widget/render/math.js';

const katexCount = (html: string) => (html.match(/class="katex"/g) ?? []).length;
const displayCount = (html: string) => (html.match(/class="katex-display"/g) ?? []).length;

describe('widget markdown and math, before KaTeX has arrived', () => {
  test('a formula is its TeX as code, and the render says KaTeX is needed; text without math does not', () => {
    setTexRenderer(undefined);
    const math = renderMarkdown('a $x^2 < y$ b\n\n$$\\int f$$');
    assert.equal(math.texPending, true);
    assert.match(math.html, /<code class="tex">x\^2 &#60; y<\/code>/);
    assert.match(math.html, /<code class="tex tex-display">\\int f<\/code>/);
    assert.equal(katexCount(math.html), 0);
    assert.deepEqual(renderMarkdown('between $5 and $10 a month'), { html: '<p>between $5 and $10 a month</p>\n', texPending: false });
  });
});

describe('widget markdown and math', () => {
  // What the KaTeX chunk hands the panel.
  before(() => setTexRenderer(renderTexWithKatex));

  test('inline math with $…$ and \\(…\\), display math with $$…$$ and \\[…\\]', () => {
    const html = markdownToHtml('a $x^2$ b \\(y_1\\) c $$\\sum_i i$$ d \\[\\int f\\]');
    assert.equal(katexCount(html), 4);
    assert.equal(displayCount(html), 2);
  });

  test('display math as a block of its own lines, even right after a paragraph line', () => {
    for (const [open, close] of [['$$', '$$'], ['\\[', '\\]']]) {
      const html = markdownToHtml(`The formula:\n${open}\nE = mc^2\n${close}\nand after.`);
      assert.equal(displayCount(html), 1, open);
      assert.match(html, /<p>The formula:<\/p>/);
      assert.match(html, /<p>and after.<\/p>/);
      assert.doesNotMatch(html, /\$\$|\\\[/);
    }
    assert.equal(displayCount(markdownToHtml('$$ a + b $$')), 1);
  });

  test('dollars in code, escaped dollars and prices stay dollars', () => {
    const cases = [
      'use `$x$` in code',
      '```\nconst price = $a + $b;\n$$ not math $$\n```',
      'it costs \\$5 or \\$6',
      'between $5 and $10 a month',
      'a lone $ sign',
      '$ x $ has spaces inside',
      '    $$ indented code $$',
    ];
    for (const source of cases) assert.equal(katexCount(markdownToHtml(source)), 0, source);
    assert.match(markdownToHtml('it costs \\$5'), /costs \$5/);
  });

  test('KaTeX styles arrive as data-katex-style, never as style attributes', () => {
    const html = markdownToHtml('$$\\frac{a}{b} \\color{red}{x} \\rule{1em}{2em}$$');
    assert.match(html, /data-katex-style="/);
    assert.doesNotMatch(html, /\sstyle="/);
  });

  test('\\href and other trusted commands are not rendered (KaTeX trust is off)', () => {
    const html = markdownToHtml('$\\href{javascript:alert(1)}{x}$ $\\url{javascript:alert(2)}$ $\\includegraphics{https://x.test/a.png}$');
    assert.doesNotMatch(html, /href="javascript/);
    assert.doesNotMatch(html, /<a\s/);
    assert.doesNotMatch(html, /<img/);
  });

  test('invalid TeX shows as an error text, not an exception', () => {
    assert.match(markdownToHtml('$\\frac{1}{$ and $\\notacommand$'), /katex-error|\\notacommand/);
  });

  test('raw HTML is text, images are not rendered, links are', () => {
    const html = markdownToHtml('<script>alert(1)</script> <img src=x onerror=alert(1)> ![pic](https://x.test/p.png) [ok](https://example.com) https://example.org');
    assert.doesNotMatch(html, /<script|<img/);
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /<a href="https:\/\/example.com">ok<\/a>/);
    assert.match(html, /<a href="https:\/\/example.org">https:\/\/example.org<\/a>/);
    assert.doesNotMatch(markdownToHtml('[x](javascript:alert(1))'), /href=/);
  });

  test('tables, fenced code with a language, and single newlines as line breaks', () => {
    assert.match(markdownToHtml('| a | b |\n|---|---|\n| 1 | 2 |'), /<table>/);
    assert.match(markdownToHtml('```ts\nlet a = 1;\n```'), /<pre><code class="language-ts">let a = 1;\n<\/code><\/pre>/);
    assert.match(markdownToHtml('one\ntwo'), /one<br>\ntwo/);
  });
});
