import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractDocument, MAX_MARKDOWN_CHARS, MAX_SOURCE_BYTES } from '../../server/knowledge/extract/extract.js';
import { detectType } from '../../server/knowledge/extract/detect-type.js';
import { png, textPdf } from '../../test/support/knowledge-documents.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('extractDocument: choosing the reader', () => {
  test('by the bytes first, then the declared type, then the file name', async () => {
    const pdf = await textPdf({ pages: 1 });
    assert.equal(detectType(pdf, 'text/html', 'page.html').format, 'pdf');
    assert.equal(detectType(png(2, 2), undefined, undefined).format, 'image');
    assert.equal(detectType(bytes('# Hi'), 'text/plain', 'notes.md').format, 'markdown');
    assert.equal(detectType(bytes('# Hi'), 'text/plain', undefined).format, 'text');
    assert.equal(detectType(bytes('<p>x</p>'), 'application/octet-stream', 'x.htm').format, 'html');
    assert.equal(detectType(bytes('<p>x</p>'), 'text/html; charset=utf-8', 'x.txt').format, 'html');
    assert.equal(detectType(bytes('x'), 'text/markdown', undefined).format, 'markdown');
  });

  test('refuses other formats with unsupported_type and a sentence saying what to do', async () => {
    const cases: [Parameters<typeof extractDocument>[0], RegExp][] = [
      [{ data: bytes('x'), fileName: 'old.doc' }, /\.docx or PDF/],
      [{ data: bytes('x'), contentType: 'application/msword' }, /\.docx or PDF/],
      [{ data: bytes('GIF89a...'), fileName: 'a.gif' }, /PNG, JPEG or WebP/],
      [{ data: bytes('{}'), contentType: 'application/json' }, /cannot read "application\/json"/],
      [{ data: bytes('x'), fileName: 'archive.zip' }, /cannot read \.zip/],
      [{ data: Buffer.from([1, 0, 2, 0, 3]), fileName: 'data.txt' }, /binary/],
    ];
    for (const [input, sentence] of cases) {
      await assert.rejects(extractDocument(input), (err: Error & { reason?: string }) => {
        assert.equal(err.reason, 'unsupported_type', `${input.fileName ?? input.contentType}`);
        assert.match(err.message, sentence);
        return true;
      });
    }
  });

  test(`files over ${MAX_SOURCE_BYTES} bytes are too_large; empty ones empty_text`, async () => {
    await assert.rejects(extractDocument({ data: Buffer.alloc(MAX_SOURCE_BYTES + 1, 0x61), fileName: 'big.txt' }), (err: Error & { reason?: string }) => {
      assert.equal(err.reason, 'too_large');
      assert.match(err.message, /limit is 20 MB/);
      return true;
    });
    assert.equal((await extractDocument({ data: Buffer.alloc(MAX_SOURCE_BYTES, 0x61), fileName: 'max.txt' })).truncated, true);
    await assert.rejects(extractDocument({ data: Buffer.alloc(0), fileName: 'a.txt' }), { reason: 'empty_text' });
    await assert.rejects(extractDocument({ data: ' \n\t\n ', fileName: 'a.md' }), { reason: 'empty_text' });
  });

  test(`text beyond ${MAX_MARKDOWN_CHARS} characters is cut at a paragraph, with a warning`, async () => {
    const paragraph = `${'word '.repeat(199)}end.\n\n`;
    const text = paragraph.repeat(Math.ceil((MAX_MARKDOWN_CHARS * 1.2) / paragraph.length));
    const result = await extractDocument({ data: text, fileName: 'long.md' });
    assert.equal(result.truncated, true);
    assert.ok(result.markdown.length <= MAX_MARKDOWN_CHARS && result.markdown.length > MAX_MARKDOWN_CHARS - paragraph.length);
    assert.ok(result.markdown.endsWith('end.'));
    assert.match(result.warnings[0]!, /first 2,000,000 characters/);
  });

  test('pasted text is Markdown: front matter gives the title and goes; line ends, BOM, control characters, spaces normalised', async () => {
    const result = await extractDocument({ data: '\uFEFF---\ntitle: "Billing FAQ"\nlang: en\n---\r\n# Billing\r\n\r\n\r\n\r\nPay by card.\u0007   \r\n' });
    assert.equal(result.format, 'markdown');
    assert.equal(result.title, 'Billing FAQ');
    assert.equal(result.markdown, '# Billing\n\nPay by card.');
    const heading = await extractDocument({ data: 'Intro\n\n# Refunds policy #\n\ntext' });
    assert.equal(heading.title, 'Refunds policy');
  });

  test('plain text keeps its words; the title is the file name; UTF-16 with a byte order mark is read', async () => {
    const text = await extractDocument({ data: bytes('Line one\r\nLine two\n'), contentType: 'text/plain', fileName: 'opening_hours.txt' });
    assert.deepEqual([text.format, text.title, text.markdown], ['text', 'opening hours', 'Line one\nLine two']);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße aus Köln', 'utf16le')]);
    assert.equal((await extractDocument({ data: utf16, fileName: 'greeting.txt' })).markdown, 'Grüße aus Köln');
  });

  test('a signal already aborted stops it: aborted', async () => {
    await assert.rejects(extractDocument({ data: 'text', signal: AbortSignal.abort() }), { reason: 'aborted' });
  });
});
