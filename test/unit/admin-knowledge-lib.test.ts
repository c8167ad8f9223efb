import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../admin/src/lib/api.js';
import { documentsText, failedFirst, fileProblem, finished, intervalOf, MAX_FILE_BYTES, progressText, webHref, type KnowledgeSource } from '../../admin/src/lib/knowledge.js';

const source = (over: Partial<KnowledgeSource>): KnowledgeSource => ({
  id: 's1',
  kind: 'sitemap',
  title: 'Help centre',
  url: 'https://help.example.com/sitemap.xml',
  fileName: null,
  fileSize: null,
  status: 'ready',
  error: null,
  documentCount: 0,
  failedCount: 0,
  chunkCount: 0,
  progress: { done: 0, total: null },
  lastSyncedAt: null,
  nextSyncAt: null,
  syncIntervalHours: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

test('files: the server’s types and 20 MB are checked before uploading, with a sentence naming the file', () => {
  assert.equal(fileProblem({ name: 'Guide.PDF', size: 1000 }), undefined);
  assert.equal(fileProblem({ name: 'notes.md', size: MAX_FILE_BYTES }), undefined);
  assert.match(fileProblem({ name: 'big.pdf', size: MAX_FILE_BYTES + 1 })!, /^“big\.pdf” is 20\.0 MB; Parley reads files of at most 20 MB/);
  assert.match(fileProblem({ name: 'setup.exe', size: 10 })!, /“setup\.exe” is not a file Parley reads/);
  assert.match(fileProblem({ name: 'README', size: 10 })!, /not a file Parley reads/);
  assert.equal(fileProblem({ name: 'empty.txt', size: 0 }), '“empty.txt” is empty.');
});

test('progress: "12 of 40 pages" while processing, the running count while a sitemap is read, nothing once done', () => {
  assert.equal(progressText(source({ status: 'processing', progress: { done: 12, total: 40 } })), '12 of 40 pages');
  assert.equal(progressText(source({ status: 'processing', kind: 'file', progress: { done: 0, total: 1 } })), '0 of 1 document');
  assert.equal(progressText(source({ status: 'processing', progress: { done: 3, total: null } })), '3 pages so far, reading the list');
  assert.equal(progressText(source({ status: 'pending' })), 'Waiting to start');
  assert.equal(progressText(source({ status: 'ready', progress: { done: 40, total: 40 } })), undefined);
  assert.equal(documentsText(source({ documentCount: 40, failedCount: 2 })), '40 pages, 2 failed');
  assert.equal(documentsText(source({ kind: 'text', documentCount: 1 })), '1 document');
});

test('documents: failed first, the rest in the server’s order', () => {
  const docs = [
    { id: 'a', status: 'ready' as const },
    { id: 'b', status: 'failed' as const },
    { id: 'c', status: 'processing' as const },
    { id: 'd', status: 'failed' as const },
  ];
  assert.deepEqual(failedFirst(docs).map((d) => d.id), ['b', 'd', 'a', 'c']);
});

test('announcements: only sources that were syncing and now are done, with the reason of a failure', () => {
  const before = [source({ id: 'a', status: 'processing' }), source({ id: 'b', title: 'Blog', status: 'pending' }), source({ id: 'c', status: 'ready' })];
  const after = [source({ id: 'a', status: 'ready' }), source({ id: 'b', title: 'Blog', status: 'failed', error: 'The page answered 404.' }), source({ id: 'c', status: 'ready' }), source({ id: 'd', status: 'ready' })];
  assert.deepEqual(finished(before, after), ['“Help centre” is ready.', '“Blog” failed: The page answered 404.']);
  assert.deepEqual(finished(undefined, after), [], 'not on the first answer');
});

test('hours: empty is by hand only (null); links only to http(s)', () => {
  assert.equal(intervalOf(' '), null);
  assert.equal(intervalOf('24'), 24);
  assert.equal(webHref('javascript:alert(1)'), undefined);
  assert.equal(webHref('not a url'), undefined);
  assert.equal(webHref(null), undefined);
  assert.equal(webHref('https://help.example.com/a b'), 'https://help.example.com/a%20b');
});

test('address and upload errors are shown next to their field, without the field name the label already says', () => {
  const blocked = new ApiError(400, 'blocked_url', 'url: 127.0.0.1 is a loopback address; Parley only fetches from public internet addresses.');
  assert.equal(blocked.field('url'), '127.0.0.1 is a loopback address; Parley only fetches from public internet addresses.');
  assert.deepEqual(blocked.paths(), ['url']);
  assert.equal(new ApiError(413, 'file_too_large', 'The file is larger than 20 MB.').field('file'), 'The file is larger than 20 MB.');
});
