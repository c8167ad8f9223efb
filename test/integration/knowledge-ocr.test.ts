import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { chunkDocument } from '../../server/knowledge/chunk/chunk.js';
import { extractDocument, OCR_MODEL, type ExtractError, type OcrPermission } from '../../server/knowledge/extract/extract.js';
import { png, scannedPdf, textPdf } from '../support/knowledge-documents.js';

// Scanned documents through the real Mistral SDK against the local Mistral's POST /v1/ocr.
describe('OCR of scanned PDFs and images (real SDK, local Mistral)', () => {
  let fake: FakeMistral;
  let allowed: OcrPermission;
  before(async () => {
    fake = await startFakeMistral();
    allowed = { allowed: true, apiKey: 'key-ocr', serverUrl: fake.url };
  });
  after(() => fake?.close());
  beforeEach(() => fake.ocr.setScript());
  const calls = () => fake.ocr.requests.length;

  test('a scanned PDF, OCR allowed, a key: sent once as a PDF data URL; Markdown per page, pictures dropped', async () => {
    const data = await scannedPdf(2);
    fake.ocr.setScript(() => ({ pages: ['# Warranty\n\nTwo years on all parts.\n\n![img-0.jpeg](img-0.jpeg)', '## Exclusions\n\nWater damage.'] }));
    const before = calls();
    const result = await extractDocument({ data, fileName: 'warranty.pdf', ocr: allowed });
    assert.equal(calls(), before + 1);
    const request = fake.ocr.requests.at(-1)!;
    assert.equal(request.authorization, 'Bearer key-ocr');
    assert.equal(request.body.model, OCR_MODEL);
    assert.equal(request.body.document?.type, 'document_url');
    assert.equal(request.body.document?.document_url, `data:application/pdf;base64,${Buffer.from(data).toString('base64')}`);
    assert.equal(request.body.include_image_base64, false);
    assert.equal(request.body.pages, '0-1');
    assert.deepEqual({ ...result, warnings: undefined }, {
      format: 'pdf',
      title: 'Warranty',
      markdown: '<!-- page 1 -->\n\n# Warranty\n\nTwo years on all parts.\n\n<!-- page 2 -->\n\n## Exclusions\n\nWater damage.',
      pages: 2,
      ocrPages: 2,
      truncated: false,
      warnings: undefined,
    });
    const chunks = chunkDocument({ title: result.title!, markdown: result.markdown, url: 'https://acme.test/warranty.pdf' });
    // Both pages are small: one chunk, on page 1, the second page's heading kept in its text.
    assert.deepEqual(chunks.map((c) => [c.headingPath, c.content, c.page, c.url]), [
      ['', 'Two years on all parts.\n\n## Exclusions\n\nWater damage.', 1, 'https://acme.test/warranty.pdf#page=1'],
    ]);
  });

  test('an image (PNG) goes as an image_url data URL; the default fake page comes back without its picture reference', async () => {
    const image = png(30, 10);
    const result = await extractDocument({ data: image, contentType: 'image/png', fileName: 'receipt.png', ocr: allowed });
    const request = fake.ocr.requests.at(-1)!;
    assert.equal(request.body.document?.type, 'image_url');
    assert.equal(request.body.document?.image_url, `data:image/png;base64,${Buffer.from(image).toString('base64')}`);
    assert.equal(request.mimeType, 'image/png');
    assert.equal(result.format, 'image');
    assert.equal(result.markdown, `# Scanned page 1\n\nText recognised by the local Mistral OCR in a image/png of ${image.length} bytes.`);
    assert.equal(result.ocrPages, 1);
  });

  test('never called when OCR is not allowed or there is no key: needs_ocr', async () => {
    const before = calls();
    const cases = [undefined, { ...allowed, allowed: false }, { ...allowed, apiKey: undefined }];
    for (const ocr of cases) {
      await assert.rejects(extractDocument({ data: await scannedPdf(), fileName: 'scan.pdf', ocr }), { reason: 'needs_ocr' });
      await assert.rejects(extractDocument({ data: png(4, 4), fileName: 'photo.png', ocr }), { reason: 'needs_ocr' });
    }
    assert.equal(calls(), before);
  });

  test('never called for a PDF that has a text layer, even when allowed', async () => {
    const before = calls();
    const result = await extractDocument({ data: await textPdf(), fileName: 'handbook.pdf', ocr: allowed });
    assert.equal(result.ocrPages, 0);
    assert.equal(calls(), before);
  });

  test('failures: a refused key is final; a rate limit, an outage and a timeout are worth retrying', async () => {
    const data = await scannedPdf();
    const failure = async (ocr: OcrPermission = allowed) => {
      try {
        await extractDocument({ data, fileName: 'scan.pdf', ocr });
      } catch (err) {
        return err as ExtractError;
      }
      assert.fail('extraction should fail');
    };
    fake.ocr.setScript(() => ({ status: 401, body: { message: 'Unauthorized' } }));
    assert.deepEqual(pick(await failure()), { reason: 'ocr_failed', retryable: false, mentions: true });
    fake.ocr.setScript(() => ({ status: 429 }));
    assert.deepEqual(pick(await failure()), { reason: 'ocr_failed', retryable: true, mentions: true });
    fake.ocr.setScript(() => ({ status: 503 }));
    assert.deepEqual(pick(await failure()), { reason: 'ocr_failed', retryable: true, mentions: true });
    fake.ocr.setScript(() => ({ hang: true }));
    const timedOut = await failure({ ...allowed, timeoutMs: 300 });
    assert.deepEqual(pick(timedOut), { reason: 'ocr_failed', retryable: true, mentions: true });
    assert.match(timedOut.message, /did not answer/);
    // The key never appears in what the admin is shown.
    fake.ocr.setScript(() => ({ status: 400, body: { message: 'bad key-ocr document' } }));
    const refused = await failure();
    assert.deepEqual(pick(refused), { reason: 'ocr_failed', retryable: false, mentions: true });
    assert.ok(!refused.message.includes('key-ocr'));
  });

  test('the caller stopping it: aborted, not a failure to retry', async () => {
    fake.ocr.setScript(() => ({ hang: true }));
    const controller = new AbortController();
    const before = calls();
    const pending = extractDocument({ data: await scannedPdf(), fileName: 'scan.pdf', ocr: allowed, signal: controller.signal });
    for (let i = 0; calls() === before; i++) {
      assert.ok(i < 500, 'the OCR request never arrived');
      await new Promise((r) => setTimeout(r, 10));
    }
    controller.abort();
    await assert.rejects(pending, { reason: 'aborted' });
  });
});

function pick(err: ExtractError) {
  return { reason: err.reason, retryable: err.retryable, mentions: /Mistral/.test(err.message) };
}
