// What every step of a sync shares, and the steps that store a document's outcome.
import type { Config } from '../../config.js';
import type { Db } from '../../db/db.js';
import type { Logger } from '../../logging.js';
import { chunkDocument } from '../chunk/chunk.js';
import type { Embedder } from '../embed/mistral-embed.js';
import { extractInWorker } from '../extract/extract-in-worker.js';
import { ExtractError, type ExtractInput, type ExtractedDocument, type OcrPermission } from '../extract/extract.js';
import type { Fetcher } from '../fetch/safe-fetch.js';
import { indexDocument } from '../index-document.js';
import { updateDocument, type DocumentPatch } from '../knowledge-documents.repo.js';
import type { KnowledgeSource } from '../knowledge.repo.js';

/** The process's pieces, shared by every job. */
export interface IngestDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** One per process (its per-host limit and robots cache only work shared). */
  fetcher: Fetcher;
  embedder: Embedder;
  /** Queues the embedding of a workspace's chunks that have none (EMBED_JOB). */
  queueEmbed(workspaceId: string): Promise<void>;
}

/** One sync of one source. */
export interface SyncRun {
  deps: IngestDeps;
  workspaceId: string;
  source: KnowledgeSource;
  ocr: OcrPermission;
  /** The workspace has a Mistral key: what is stored gets embedded (embed-job.ts). */
  hasKey: boolean;
  /** Aborts at shutdown or expiry: the job then goes back to the queue. */
  signal: AbortSignal;
}

/** Why a document could not be indexed, in a sentence for the admin. */
export interface DocumentFailure {
  message: string;
  /** Worth trying again soon (OCR rate limited or down), rather than at the next sync. */
  retryable: boolean;
}

/** Extraction off the event loop; a document's own failure is returned, an interrupted run throws. */
export async function extract(run: SyncRun, input: Omit<ExtractInput, 'ocr' | 'signal'>): Promise<ExtractedDocument | DocumentFailure> {
  try {
    return await extractInWorker({ ...input, ocr: run.ocr, signal: run.signal });
  } catch (err) {
    if (run.signal.aborted) throw run.signal.reason ?? err;
    if (err instanceof ExtractError) return { message: err.message, retryable: err.retryable };
    // The extraction thread died on this document (a bug in a parser, say): the document fails, not the sync.
    run.deps.logger.warn({ err, sourceId: run.source.id }, 'knowledge: extraction failed unexpectedly');
    return { message: 'Parley could not read this document: its reader stopped with an internal error.', retryable: false };
  }
}

export const isFailure = (value: ExtractedDocument | DocumentFailure): value is DocumentFailure => 'message' in value;

/**
 * Chunks a document and makes its stored chunks exactly those, then records `patch`
 * (validators, hash) and marks it ready. Chunks are stored without embeddings here:
 * the embed job (embed-job.ts) sends the new texts in batches of up to 128 across pages,
 * instead of a request per page, and a text embedded before is reused, never sent again.
 * The hash is recorded after the chunks, so a crash between the two only re-indexes.
 */
export async function storeDocument(
  run: SyncRun,
  documentId: string,
  doc: { title: string; markdown: string; url?: string },
  patch: DocumentPatch,
): Promise<DocumentFailure | { chunks: number; inserted: number }> {
  const chunks = chunkDocument({ title: doc.title, markdown: doc.markdown, ...(doc.url !== undefined && { url: doc.url }) });
  if (chunks.length === 0) return { message: 'No text was found in this document.', retryable: false };
  run.signal.throwIfAborted();
  const { db, embedder } = run.deps;
  const written = await indexDocument({ db, embedder, signal: run.signal }, { workspaceId: run.workspaceId, sourceId: run.source.id, documentId, chunks });
  await updateDocument(db, run.workspaceId, documentId, { ...patch, title: doc.title.slice(0, 500), status: 'ready', error: null });
  return { chunks: chunks.length, inserted: written.inserted };
}

/**
 * Marks a document failed with its reason. A page that is gone (404, 410) loses its chunks,
 * so answers stop citing it; any other failure keeps the last good ones until a sync succeeds.
 */
export async function failDocument(run: SyncRun, documentId: string, failure: DocumentFailure, options: { gone?: boolean; fetchedAt?: Date } = {}): Promise<void> {
  const { db, embedder } = run.deps;
  if (options.gone) {
    await indexDocument({ db, embedder }, { workspaceId: run.workspaceId, sourceId: run.source.id, documentId, chunks: [] });
  }
  await updateDocument(db, run.workspaceId, documentId, {
    status: 'failed',
    error: failure.message.slice(0, 2000),
    ...(options.gone && { contentHash: null, etag: null, lastModified: null }),
    ...(options.fetchedAt && { fetchedAt: options.fetchedAt }),
  });
}
