// Which uploads and addresses a new knowledge source may have, before anything is stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toAllowList } from '../../server/knowledge/fetch/address-guard.js';
import { HttpError } from '../../server/http/errors.js';
import { checkSourceUrl, titleFromUrl } from '../../server/knowledge/source-url.js';
import { checkUpload, cleanName, titleFromFileName } from '../../server/knowledge/upload-type.js';
import { docxFile, png, textPdf } from '../support/knowledge-documents.js';

const text = (s: string) => new TextEncoder().encode(s);
const refusal = (fn: () => unknown): { status: number; code: string; message: string } => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    return { status: err.status, code: err.code, message: err.message };
  }
  assert.fail('accepted');
};

test('accepts PDF, DOCX, Markdown, HTML, plain text and images whose bytes match their names', async () => {
  assert.equal(checkUpload('Handbook.pdf', await textPdf({ pages: 1 })).mime, 'application/pdf');
  assert.match(checkUpload('guide.docx', await docxFile()).mime, /wordprocessingml/);
  assert.equal(checkUpload('notes.md', text('# Notes\n\nHello')).mime, 'text/markdown');
  assert.equal(checkUpload('page.HTML', text('<h1>Hi</h1>')).mime, 'text/html');
  assert.equal(checkUpload('readme.txt', text('plain words')).mime, 'text/plain');
  assert.equal(checkUpload('scan.png', png(4, 4)).mime, 'image/png');
});

test('refuses other extensions, content that is not what the name says, and empty files', async () => {
  for (const name of ['setup.exe', 'report.doc', 'sheet.xlsx', 'noextension', 'archive.zip']) {
    assert.deepEqual(pick(refusal(() => checkUpload(name, text('MZ whatever')))), { status: 415, code: 'unsupported_file_type' }, name);
  }
  const fakePdf = refusal(() => checkUpload('invoice.pdf', text('just text, not a PDF')));
  assert.equal(fakePdf.status, 415);
  assert.match(fakePdf.message, /PDF/);
  const pdfAsText = refusal(() => checkUpload('notes.txt', text('%PDF-1.7\n1 0 obj')));
  assert.deepEqual(pick(pdfAsText), { status: 415, code: 'unsupported_file_type' });
  assert.match(pdfAsText.message, /named \.txt but its content is a PDF/);
  assert.equal(refusal(() => checkUpload('binary.txt', new Uint8Array([0x41, 0x00, 0x42, 0x00]))).status, 415);
  assert.deepEqual(pick(refusal(() => checkUpload('empty.md', new Uint8Array()))), { status: 400, code: 'empty_file' });
});

test('file names lose their path and control characters and stay within 255 characters', () => {
  assert.equal(cleanName('C:\\Users\\ada\\Desktop\\guide.pdf'), 'guide.pdf');
  assert.equal(cleanName('../../etc/passwd.txt'), 'passwd.txt');
  assert.equal(cleanName('a\u0000b\nc.md'), 'abc.md');
  const long = cleanName(`${'x'.repeat(400)}.pdf`);
  assert.equal(long.length, 255);
  assert.ok(long.endsWith('.pdf'));
  assert.equal(titleFromFileName('Refund policy.pdf'), 'Refund policy');
});

test('addresses: http(s) only, no credentials, no blocked IP literal or localhost unless allowed', () => {
  assert.equal(checkSourceUrl('https://help.example.com/faq#top', []), 'https://help.example.com/faq');
  for (const [url, code] of [
    ['ftp://example.com/file', 'invalid_url'],
    ['javascript:alert(1)', 'invalid_url'],
    ['not a url', 'invalid_url'],
    ['https://user:pass@example.com/', 'invalid_url'],
    ['http://127.0.0.1:8080/', 'blocked_url'],
    ['http://10.0.0.1/', 'blocked_url'],
    ['http://169.254.169.254/latest/meta-data/', 'blocked_url'],
    ['http://[::1]/', 'blocked_url'],
    ['http://[::ffff:127.0.0.1]/', 'blocked_url'],
    ['http://localhost:3000/', 'blocked_url'],
    ['http://admin.localhost/', 'blocked_url'],
  ] as const) {
    assert.deepEqual(pick(refusal(() => checkSourceUrl(url, []))), { status: 400, code }, url);
  }
  const loopback = toAllowList(['127.0.0.1/32']);
  assert.equal(checkSourceUrl('http://127.0.0.1:8080/help', loopback), 'http://127.0.0.1:8080/help');
  assert.equal(checkSourceUrl('http://localhost:8080/', loopback), 'http://localhost:8080/');
  assert.equal(titleFromUrl('https://help.example.com/'), 'help.example.com');
});

function pick(r: { status: number; code: string }) {
  return { status: r.status, code: r.code };
}
