import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { extractDocument } from '../../server/knowledge/extract/extract.js';
import { extractInWorker, stopExtractWorker } from '../../server/knowledge/extract/extract-in-worker.js';
import { docxFile, scannedPdf, textPdf } from '../support/knowledge-documents.js';

// Extraction off the event loop: one worker thread, reused, replaced when it must be stopped.
describe('extractInWorker', () => {
  after(() => stopExtractWorker());

  test('gives what extractDocument gives, for several documents at once, in order', async () => {
    const [pdf, docx] = [await textPdf(), await docxFile()];
    const inputs = [
      { data: pdf, fileName: 'handbook.pdf' },
      { data: docx, fileName: 'returns.docx' },
      { data: '<main><h1>Hi</h1><p>there</p></main>', contentType: 'text/html' },
    ];
    const results = await Promise.all(inputs.map((input) => extractInWorker(input)));
    for (const [i, input] of inputs.entries()) assert.deepEqual(results[i], await extractDocument(input));
  });

  test('a failure comes back as the same ExtractError', async () => {
    await assert.rejects(extractInWorker({ data: await scannedPdf(), fileName: 'scan.pdf' }), (err: Error & { reason?: string; retryable?: boolean }) => {
      assert.equal(err.name, 'ExtractError');
      assert.equal(err.reason, 'needs_ocr');
      assert.equal(err.retryable, false);
      assert.match(err.message, /allow OCR in the knowledge settings/);
      return true;
    });
  });

  test('past its time limit the thread is stopped (timeout), and the next document gets a new one', async () => {
    const pdf = await textPdf({ pages: 200 });
    await assert.rejects(extractInWorker({ data: pdf, fileName: 'long.pdf' }, { timeoutMs: 1 }), { reason: 'timeout' });
    assert.equal((await extractInWorker({ data: '# Next\n\ntext', fileName: 'n.md' })).title, 'Next');
  });

  test('the caller aborting stops it; queued work still runs', async () => {
    const controller = new AbortController();
    const first = extractInWorker({ data: await textPdf({ pages: 200 }), fileName: 'long.pdf', signal: controller.signal });
    const second = extractInWorker({ data: 'plain words', fileName: 'w.txt' });
    controller.abort();
    await assert.rejects(first, { reason: 'aborted' });
    assert.equal((await second).markdown, 'plain words');
  });

  test('a document needing more memory than the thread may use is too_large, and the process lives on', async () => {
    const page = `<main>${Array.from({ length: 3000 }, (_, i) => `<h2>Part ${i}</h2><p>${'Words and <a href="/x">links</a>. '.repeat(10)}</p>`).join('')}</main>`;
    await assert.rejects(extractInWorker({ data: page, contentType: 'text/html' }, { maxHeapMb: 48 }), { reason: 'too_large' });
    const result = await extractInWorker({ data: page, contentType: 'text/html' });
    assert.match(result.markdown, /^## Part 2999$/m);
  });
});
