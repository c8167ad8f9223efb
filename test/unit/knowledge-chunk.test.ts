import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunkDocument, MAX_TOKENS, MIN_TOKENS, OVERLAP_TOKENS, TARGET_TOKENS, type Chunk } from '../../server/knowledge/chunk/chunk.js';

/** n distinct sentences of about 70 characters (≈ 17 tokens) each. */
const prose = (n: number, topic: string) =>
  Array.from({ length: n }, (_, i) => `${topic} sentence ${i} explains one more detail of the ${topic.toLowerCase()} rules.`).join(' ');
const fences = (text: string) => (text.match(/^```/gm) ?? []).length;

describe('chunkDocument', () => {
  test('chunks follow headings and carry their heading path; a level-1 heading equal to the title is not repeated', () => {
    const markdown = [
      '# Billing', 'Intro to billing, which is long enough to stand on its own as a small section. '.repeat(5),
      '## Refunds', prose(10, 'Refund'),
      '### In the EU', prose(10, 'Union'),
      '## Invoices', prose(10, 'Invoice'),
    ].join('\n\n');
    const chunks = chunkDocument({ title: 'Billing', markdown });
    assert.deepEqual(chunks.map((c) => c.headingPath), ['', 'Refunds', 'Refunds > In the EU', 'Invoices']);
    assert.deepEqual(chunks[2]!.headings, ['Refunds', 'In the EU']);
    assert.deepEqual(chunks.map((c) => c.position), [0, 1, 2, 3]);
    assert.ok(chunks.every((c) => c.title === 'Billing'));
    // The path is metadata: the chunk's text does not repeat its own headings.
    assert.ok(chunks[1]!.content.startsWith('Refund sentence 0'));
    const other = chunkDocument({ title: 'Help centre', markdown });
    assert.deepEqual(other.map((c) => c.headingPath), ['Billing', 'Billing > Refunds', 'Billing > Refunds > In the EU', 'Billing > Invoices']);
  });

  test(`a long section becomes chunks of about ${TARGET_TOKENS} tokens (never over ${MAX_TOKENS}), each starting with the last ~${OVERLAP_TOKENS} tokens of the one before`, () => {
    const markdown = `## Refunds\n\n${[prose(15, 'Refund'), prose(15, 'Return'), prose(15, 'Credit'), prose(15, 'Voucher')].join('\n\n')}`;
    const chunks = chunkDocument({ title: 'Help', markdown });
    assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
    for (const chunk of chunks) {
      assert.equal(chunk.tokenEstimate, Math.ceil(chunk.content.length / 4));
      assert.ok(chunk.tokenEstimate <= MAX_TOKENS, `${chunk.tokenEstimate} tokens`);
      assert.equal(chunk.headingPath, 'Refunds');
    }
    for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.tokenEstimate >= TARGET_TOKENS * 0.6, `${chunk.tokenEstimate} tokens`);
    for (let i = 1; i < chunks.length; i++) {
      const overlap = chunks[i]!.content.split('\n\n')[0]!;
      assert.ok(chunks[i - 1]!.content.endsWith(overlap), `chunk ${i} starts with the end of chunk ${i - 1}`);
      assert.ok(overlap.length >= OVERLAP_TOKENS * 4 * 0.5 && overlap.length <= OVERLAP_TOKENS * 4, `overlap of ${overlap.length} characters`);
      assert.match(overlap, /^[A-Z]/, 'the overlap starts at a sentence');
    }
  });

  test('no overlap across sections', () => {
    const chunks = chunkDocument({ title: 'T', markdown: `## A\n\n${prose(12, 'Alpha')}\n\n## B\n\n${prose(12, 'Beta')}` });
    assert.equal(chunks.length, 2);
    assert.ok(chunks[1]!.content.startsWith('Beta sentence 0'));
  });

  test('a code block that fits is never split, and every chunk has whole fences', () => {
    const code = ['```python', ...Array.from({ length: 30 }, (_, i) => `print("step ${i} of the refund script")`), '```'].join('\n');
    const markdown = `## Script\n\n${prose(12, 'Setup')}\n\n${code}\n\n${prose(12, 'After')}`;
    const chunks = chunkDocument({ title: 'T', markdown });
    const holder = chunks.filter((c) => c.content.includes('print("step'));
    assert.equal(holder.length, 1);
    assert.ok(holder[0]!.content.includes(code));
    for (const chunk of chunks) assert.equal(fences(chunk.content) % 2, 0, chunk.content);
  });

  test('a code block larger than a chunk is cut between lines, each piece fenced again with its language', () => {
    const lines = Array.from({ length: 150 }, (_, i) => `console.log("line ${i} of a long listing");`);
    const chunks = chunkDocument({ title: 'T', markdown: `## Listing\n\n\`\`\`js\n${lines.join('\n')}\n\`\`\`` });
    assert.ok(chunks.length >= 3);
    for (const chunk of chunks) {
      assert.match(chunk.content, /^```js\n[\s\S]*\n```$/);
      assert.ok(chunk.tokenEstimate <= MAX_TOKENS);
    }
    assert.deepEqual(chunks.flatMap((c) => c.content.split('\n').slice(1, -1)), lines);
  });

  test('a large table is cut between rows, and every piece repeats the header', () => {
    const rows = Array.from({ length: 120 }, (_, i) => `| Plan ${i} | ${i * 3} euros | monthly |`);
    const header = '| Plan | Price | Billing |\n| --- | --- | --- |';
    const chunks = chunkDocument({ title: 'T', markdown: `## Prices\n\n${header}\n${rows.join('\n')}` });
    assert.ok(chunks.length >= 3);
    for (const chunk of chunks) assert.ok(chunk.content.startsWith(`${header}\n| Plan `), chunk.content.slice(0, 80));
    assert.deepEqual(chunks.flatMap((c) => c.content.split('\n').slice(2)), rows);
  });

  test(`sections under ${MIN_TOKENS} tokens merge with a neighbour, keeping their headings in the text`, () => {
    const markdown = `# Billing\n\n## Fees\n\nNone.\n\n## Limits\n\nTen a day.\n\n## Refunds\n\n${prose(30, 'Refund')}\n\n## Contact\n\nMail us.`;
    const chunks = chunkDocument({ title: 'Help', markdown });
    assert.equal(chunks.length, 2, chunks.map((c) => c.content).join('\n-----\n'));
    // Fees and Limits go with the start of Refunds, under their common heading.
    assert.equal(chunks[0]!.headingPath, 'Billing');
    assert.match(chunks[0]!.content, /^## Fees\n\nNone\.\n\n## Limits\n\nTen a day\.\n\n## Refunds\n\nRefund sentence 0 /);
    // Contact joins the end of Refunds, which then names its heading in the text.
    assert.equal(chunks[1]!.headingPath, 'Billing');
    assert.match(chunks[1]!.content, /^## Refunds\n\n.*Refund sentence 29 [^\n]+\n\n## Contact\n\nMail us\.$/s);
    assert.ok(chunks.every((c) => c.tokenEstimate <= MAX_TOKENS));
  });

  test('a section of headings only adds nothing but its place in the paths', () => {
    const chunks = chunkDocument({ title: 'T', markdown: `# Guide\n\n## Setup\n\n### Linux\n\n${prose(8, 'Linux')}` });
    assert.deepEqual(chunks.map((c) => [c.headingPath, c.content.slice(0, 14)]), [['Guide > Setup > Linux', 'Linux sentence']]);
  });

  test('page markers give each chunk its page and a #page= link; other documents keep the plain URL', () => {
    const markdown = `<!-- page 1 -->\n\n# Handbook\n\n${prose(20, 'Cover')}\n\n<!-- page 2 -->\n\n## Shipping\n\n${prose(20, 'Ship')}`;
    const chunks = chunkDocument({ title: 'Handbook', markdown, url: 'https://acme.test/handbook.pdf#x' });
    const shipping = chunks.find((c) => c.headingPath === 'Shipping')!;
    assert.equal(chunks[0]!.page, 1);
    assert.equal(chunks[0]!.url, 'https://acme.test/handbook.pdf#page=1');
    assert.equal(shipping.page, 2);
    assert.equal(shipping.url, 'https://acme.test/handbook.pdf#page=2');
    assert.ok(chunks.every((c) => !c.content.includes('<!--')));
    const plain = chunkDocument({ title: 'T', markdown: 'Hello there.', url: 'https://acme.test/a' });
    assert.deepEqual(plain, [{ position: 0, title: 'T', headingPath: '', headings: [], content: 'Hello there.', tokenEstimate: 3, url: 'https://acme.test/a' }]);
  });

  test('stable: the same input gives the same chunks; an edit at the end leaves earlier chunks as they were', () => {
    const sections = ['Alpha', 'Beta', 'Gamma', 'Delta'].map((t) => `## ${t}\n\n${prose(14, t)}\n\n${prose(14, `${t}x`)}`);
    const input = { title: 'T', markdown: sections.join('\n\n') };
    const first = chunkDocument(input);
    assert.deepEqual(chunkDocument(input), first);
    const edited = chunkDocument({ ...input, markdown: `${input.markdown} One more sentence at the end.` });
    const same = (a: Chunk, b: Chunk) => a.content === b.content && a.headingPath === b.headingPath;
    assert.ok(edited.slice(0, -1).every((c, i) => same(c, first[i]!)));
    assert.ok(!same(edited.at(-1)!, first.at(-1)!));
  });

  test('setext headings, headings with Markdown in them, and "#" inside code are understood', () => {
    const markdown = 'Refunds\n=======\n\nText one is here.\n\nThe **EU** [rules](https://x.test)\n---\n\nText two.\n\n```sh\n# not a heading\n```';
    const chunks = chunkDocument({ title: 'Other', markdown });
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]!.headingPath, 'Refunds');
    assert.match(chunks[0]!.content, /^Text one is here\.\n\n## The EU rules\n\nText two\.\n\n```sh\n# not a heading\n```$/);
  });

  test('random documents: every chunk within the maximum with whole fences, and every line of the text in some chunk', () => {
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const blocks = [
      () => `${'#'.repeat(1 + random(4))} Heading ${random(1000)}`,
      () => prose(1 + random(40), `Topic${random(100)}`),
      () => ['```', ...Array.from({ length: 1 + random(120) }, (_, i) => `code(${i});`), '```'].join('\n'),
      () => ['| a | b |', '| --- | --- |', ...Array.from({ length: 1 + random(100) }, (_, i) => `| row ${i} | value ${random(1e6)} |`)].join('\n'),
      () => Array.from({ length: 1 + random(30) }, (_, i) => `- item ${i} ${'word '.repeat(random(30))}`.trimEnd()).join('\n'),
      () => 'x'.repeat(1 + random(5000)),
    ];
    for (let doc = 0; doc < 60; doc++) {
      const markdown = Array.from({ length: 1 + random(25) }, () => blocks[random(blocks.length)]!()).join('\n\n');
      const chunks = chunkDocument({ title: 'T', markdown });
      const all = chunks.map((c) => c.content).join('\n');
      chunks.forEach((c, i) => {
        assert.equal(c.position, i);
        assert.ok(c.tokenEstimate <= MAX_TOKENS, `document ${doc}, chunk ${i}: ${c.tokenEstimate} tokens`);
        assert.equal(fences(c.content) % 2, 0, `document ${doc}, chunk ${i}`);
      });
      for (const line of markdown.split('\n')) {
        if (line.startsWith('#') || line.startsWith('x')) continue;
        assert.ok(all.includes(line), `document ${doc}: "${line.slice(0, 60)}" is in no chunk`);
      }
      assert.equal(all.replace(/[^x]/g, '').length >= markdown.replace(/[^x]/g, '').length, true);
    }
  });

  test('nothing in, nothing out', () => {
    assert.deepEqual(chunkDocument({ title: 'T', markdown: '' }), []);
    assert.deepEqual(chunkDocument({ title: 'T', markdown: '# Only\n\n## Headings' }), []);
  });
});
