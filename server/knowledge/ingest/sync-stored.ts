// Sources whose content is in the database: pasted text (its document's Markdown) and
// uploaded files (their bytes). Unchanged content with the same title is not indexed again.
import { createHash } from 'node:crypto';
import { getDocument, listDocuments, upsertDocument } from '../knowledge-documents.repo.js';
import { readSourceFile } from '../knowledge.repo.js';
import { extract, failDocument, isFailure, storeDocument, type SyncRun } from './sync-context.js';
import type { SourceOutcome } from './sync-url.js';

/** Thrown for a failure worth retrying soon (OCR rate limited or down): the job's back-off applies. */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

export async function syncText(run: SyncRun): Promise<SourceOutcome> {
  const { db } = run.deps;
  // The one document createSource stored the text in; its url, when the API was given one, is where citations link.
  const [existing] = await listDocuments(db, run.workspaceId, run.source.id, { limit: 1 });
  const { id } = existing ?? (await upsertDocument(db, run.workspaceId, run.source.id, { url: null }));
  const doc = (await getDocument(db, run.workspaceId, id))!;
  const markdown = doc.markdown ?? '';
  const hash = sha256(markdown);
  if (unchanged(doc, hash, run.source.title)) return { status: 'ready', error: null };
  const stored = await storeDocument(run, doc.id, { title: run.source.title, markdown, ...(doc.url && { url: doc.url }) }, { contentHash: hash, fetchedAt: new Date() });
  if ('message' in stored) return fail(run, doc.id, stored.message);
  return { status: 'ready', error: null };
}

export async function syncFile(run: SyncRun): Promise<SourceOutcome> {
  const { db } = run.deps;
  const bytes = await readSourceFile(db, run.workspaceId, run.source.id);
  if (!bytes) return { status: 'failed', error: 'The uploaded file is no longer stored; delete this source and upload the file again.' };
  const doc = await upsertDocument(db, run.workspaceId, run.source.id, { url: null });
  const hash = sha256(bytes);
  // The same bytes are not read again: a scanned PDF would go to OCR (and be paid for) again.
  // What the last read warned about (a page cap, say) still holds.
  if (unchanged(doc, hash, run.source.title)) return { status: 'ready', error: run.source.status === 'ready' ? run.source.error : null };
  const extracted = await extract(run, { data: bytes, ...(run.source.fileMime && { contentType: run.source.fileMime }), ...(run.source.fileName && { fileName: run.source.fileName }) });
  if (isFailure(extracted)) {
    if (extracted.retryable) throw new RetryLater(extracted.message);
    return fail(run, doc.id, extracted.message);
  }
  const stored = await storeDocument(run, doc.id, { title: run.source.title, markdown: extracted.markdown }, { contentHash: hash, markdown: extracted.markdown, fetchedAt: new Date() });
  if ('message' in stored) return fail(run, doc.id, stored.message);
  const warning = extracted.warnings.length > 0 ? extracted.warnings.join(' ') : null;
  return { status: 'ready', error: warning };
}

function unchanged(doc: { status: string; contentHash: Uint8Array | null; title: string }, hash: Buffer, title: string): boolean {
  return doc.status === 'ready' && doc.contentHash !== null && hash.equals(Buffer.from(doc.contentHash)) && doc.title === title.slice(0, 500);
}

async function fail(run: SyncRun, documentId: string, message: string): Promise<SourceOutcome> {
  await failDocument(run, documentId, { message, retryable: false });
  return { status: 'failed', error: message };
}

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
