import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractDocument, MIN_TEXT_CHARS_PER_PAGE } from '../../server/knowledge/extract/extract.js';
import { layoutPages, type PdfLine } from '../../server/knowledge/extract/pdf-layout.js';
import { scannedPdf, textPdf } from '../../test/support/knowledge-documents.js';

// OCR is allowed with a key but nothing listens there: a call would fail the extraction.
const ocrNowhere = { allowed: true, apiKey: 'key-unused', serverUrl: 'http://127.0.0.1:9', timeoutMs: 2000 };

describe('PDF extraction (pdf.js text layer)', () => {
  test('a PDF with a text layer: pages marked, headings from type size, paragraphs joined, running footer dropped, no OCR', async () => {
    const result = await extractDocument({ data: await textPdf(), fileName: 'handbook.pdf', ocr: ocrNowhere });
    assert.equal(result.format, 'pdf');
    assert.equal(result.pages, 3);
    assert.equal(result.ocrPages, 0);
    assert.equal(result.title, 'Acme Handbook');
    const pages = result.markdown.split(/<!-- page (\d) -->/).slice(1);
    assert.deepEqual([pages[0], pages[2], pages[4]], ['1', '2', '3']);
    assert.match(pages[1]!, /^\n\n# Acme Handbook\n\n## Chapter 1: Refunds\n\n/);
    assert.match(pages[3]!, /^\n\n## Chapter 2: Shipping\n\n/);
    assert.match(result.markdown, /^Paragraph one of chapter 2 starts here and it runs on across a second line of the same paragraph\.$/m);
    assert.match(result.markdown, /^A second paragraph of chapter 3: customers ask for a refund within thirty days of purchase\.$/m);
    assert.ok(!result.markdown.includes('confidential'), 'the running footer repeats on every page');
    assert.equal(result.truncated, false);
  });

  test('the title falls back to the document properties, then to the file name', async () => {
    // One page, no heading larger than the body: only the properties name it.
    const pdf = await import('pdf-lib');
    const doc = await pdf.PDFDocument.create();
    const font = await doc.embedFont(pdf.StandardFonts.Helvetica);
    doc.addPage().drawText('Just one plain line of body text in this document.', { x: 50, y: 500, size: 11, font });
    doc.setTitle('Price list 2025');
    assert.equal((await extractDocument({ data: await doc.save(), fileName: 'prices.pdf' })).title, 'Price list 2025');
    const bare = await pdf.PDFDocument.create();
    bare.addPage().drawText('Just one plain line of body text in this document.', { x: 50, y: 500, size: 11, font: await bare.embedFont(pdf.StandardFonts.Helvetica) });
    assert.equal((await extractDocument({ data: await bare.save(), fileName: 'price_list-2025.pdf' })).title, 'price list 2025');
  });

  test('a scanned PDF (an image, no text layer) needs OCR: refused with a sentence for the admin when OCR is not allowed', async () => {
    const data = await scannedPdf();
    for (const ocr of [undefined, { ...ocrNowhere, allowed: false }]) {
      await assert.rejects(extractDocument({ data, contentType: 'application/pdf', ocr }), (err: Error & { reason?: string }) => {
        assert.equal(err.reason, 'needs_ocr');
        assert.match(err.message, /no text layer.*allow OCR in the knowledge settings/);
        return true;
      });
    }
  });

  test('allowed but without a key: still needs_ocr, saying a key is missing', async () => {
    await assert.rejects(extractDocument({ data: await scannedPdf(), contentType: 'application/pdf', ocr: { ...ocrNowhere, apiKey: undefined } }), (err: Error & { reason?: string }) => {
      assert.equal(err.reason, 'needs_ocr');
      assert.match(err.message, /no Mistral API key/);
      return true;
    });
  });

  test('damaged PDFs are corrupt_file', async () => {
    const good = await textPdf({ pages: 1 });
    await assert.rejects(extractDocument({ data: Buffer.from('%PDF-1.7\nthis is not a pdf at all'), fileName: 'x.pdf' }), { reason: 'corrupt_file' });
    await assert.rejects(extractDocument({ data: good.subarray(0, 200), fileName: 'cut.pdf' }), { reason: 'corrupt_file' });
    // Named and typed PDF, but HTML inside: not what it claims.
    await assert.rejects(extractDocument({ data: Buffer.from('<html>hi</html>'), contentType: 'application/pdf', fileName: 'x.pdf' }), { reason: 'corrupt_file' });
  });

  test(`"empty" means fewer than ${MIN_TEXT_CHARS_PER_PAGE} visible characters a page: a stamped page number does not count as text`, async () => {
    const pdf = await import('pdf-lib');
    const doc = await pdf.PDFDocument.load(await scannedPdf(2));
    const font = await doc.embedFont(pdf.StandardFonts.Helvetica);
    doc.getPages().forEach((page, i) => page.drawText(`Page ${i + 1}`, { x: 500, y: 30, size: 8, font }));
    await assert.rejects(extractDocument({ data: await doc.save(), fileName: 'scan.pdf' }), { reason: 'needs_ocr' });
  });
});

describe('PDF layout', () => {
  const line = (text: string, size: number, y: number): PdfLine => ({ text, size, y });
  const page = (...lines: PdfLine[]) => ({ lines, height: 800 });

  test('three sizes of heading become levels 1–3, a heading on two lines stays one, bullets become a list', () => {
    const markdown = layoutPages([
      page(
        line('Guide', 24, 700), line('Getting', 16, 660), line('started', 16, 642), line('Body text that is long enough to be the body size.', 10, 620),
        line('Install', 13, 590), line('• first step', 10, 570), line('• second step', 10, 558), line('Then carry on with more body text here.', 10, 530),
      ),
    ]);
    assert.equal(markdown, [
      '<!-- page 1 -->', '# Guide', '## Getting started', 'Body text that is long enough to be the body size.', '### Install',
      '- first step\n- second step', 'Then carry on with more body text here.',
    ].join('\n\n'));
  });

  test('words broken at a line end are joined; a wide gap starts a new paragraph', () => {
    const markdown = layoutPages([page(line('You may ask for a re-', 10, 700), line('fund at any time, e-', 10, 688), line('Mail us.', 10, 676), line('Next paragraph.', 10, 640))]);
    assert.equal(markdown, '<!-- page 1 -->\n\nYou may ask for a refund at any time, e- Mail us.\n\nNext paragraph.');
  });

  test('large type that is most of the text is body, not headings', () => {
    const markdown = layoutPages([page(line('Big print everywhere in this flyer.', 20, 700), line('Still big print.', 20, 680), line('small', 10, 100))]);
    assert.ok(!markdown.includes('#'), markdown);
  });
});
