// Knowledge sources as docs/admin-api.md ("Knowledge") answers with them, and the few
// decisions the Knowledge pages make about them (pure, tested in test/unit/admin-knowledge-lib.test.ts).

export type SourceKind = 'text' | 'file' | 'url' | 'sitemap';
export type KnowledgeStatus = 'pending' | 'processing' | 'ready' | 'failed';

export interface KnowledgeSource {
  id: string;
  kind: SourceKind;
  title: string;
  url: string | null;
  fileName: string | null;
  fileSize: number | null;
  status: KnowledgeStatus;
  /** Why the source failed, in one sentence. */
  error: string | null;
  documentCount: number;
  failedCount: number;
  chunkCount: number;
  /** Pages or documents done in the sync that runs; total null while a sitemap is still being read. */
  progress: { done: number; total: number | null };
  lastSyncedAt: string | null;
  nextSyncAt: string | null;
  syncIntervalHours: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface KnowledgeDocument {
  id: string;
  url: string | null;
  title: string;
  status: KnowledgeStatus;
  error: string | null;
  chunkCount: number;
  fetchedAt: string | null;
}

export interface KnowledgeSettings {
  strictness: 'sources_only' | 'sources_and_general';
  unknownAnswer: string;
  allowOcr: boolean;
}

export interface KnowledgeSettingsAnswer {
  settings: KnowledgeSettings;
  vector: { available: boolean; reason: string | null };
}

export interface Passage {
  chunkId: string;
  sourceId: string;
  title: string;
  url: string | null;
  headingPath: string;
  content: string;
  score: number;
  vectorRank: number | null;
  textRank: number | null;
  /** Cosine similarity to the question, when the server reports it. */
  similarity?: number | null;
}

export interface SearchAnswer {
  mode: 'hybrid' | 'text';
  passages: Passage[];
}

/** The largest file the server reads (MAX_SOURCE_BYTES, 20 MiB), checked before uploading it. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** The extensions the server reads (server/knowledge/upload-type.ts); images only with OCR allowed. */
const EXTENSIONS = ['pdf', 'docx', 'md', 'markdown', 'txt', 'text', 'html', 'htm', 'png', 'jpg', 'jpeg', 'webp'];

/** The file input's accept attribute. */
export const FILE_ACCEPT = EXTENSIONS.map((e) => `.${e}`).join(',');

/** Why a file cannot be uploaded, before sending 20 MB for the server to refuse; undefined when it can. */
export function fileProblem(file: { name: string; size: number }): string | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase();
  if (!extension || !EXTENSIONS.includes(extension)) {
    return `“${file.name}” is not a file Parley reads: choose a PDF, DOCX, Markdown (.md), HTML, plain text (.txt), or a PNG, JPEG or WebP image.`;
  }
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > MAX_FILE_BYTES) return `“${file.name}” is ${megabytes(file.size)}; Parley reads files of at most 20 MB. Split it, or remove images from it, and try again.`;
  return undefined;
}

/** 1.5 MB, 312 KB, 80 bytes: binary units, as the server words its 20 MB limit. */
export function megabytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

export const isBusy = (s: { status: KnowledgeStatus }) => s.status === 'pending' || s.status === 'processing';

export const STATUS_LABEL: Record<KnowledgeStatus, string> = { pending: 'Pending', processing: 'Processing', ready: 'Ready', failed: 'Failed' };

export const KIND_LABEL: Record<SourceKind, string> = { text: 'Pasted text', file: 'File', url: 'Web page', sitemap: 'Sitemap' };

/** What a source is made of: a sitemap's and a page's are pages, the rest documents. */
export const unitOf = (kind: SourceKind) => (kind === 'url' || kind === 'sitemap' ? 'page' : 'document');

const plural = (n: number, noun: string) => `${noun}${n === 1 ? '' : 's'}`;

/** "12 of 40 pages" while a sync runs, "Waiting to start" before; undefined once it is over. */
export function progressText(s: Pick<KnowledgeSource, 'status' | 'kind' | 'progress'>): string | undefined {
  if (s.status === 'pending') return 'Waiting to start';
  if (s.status !== 'processing') return undefined;
  const unit = unitOf(s.kind);
  const { done, total } = s.progress;
  return total === null ? `${done} ${plural(done, unit)} so far, reading the list` : `${done} of ${total} ${plural(total, unit)}`;
}

/** "3 pages, 1 failed" / "1 document". */
export function documentsText(s: Pick<KnowledgeSource, 'kind' | 'documentCount' | 'failedCount'>): string {
  const text = `${s.documentCount} ${plural(s.documentCount, unitOf(s.kind))}`;
  return s.failedCount > 0 ? `${text}, ${s.failedCount} failed` : text;
}

/** Failed documents first (they need the admin), then in the server's order. */
export function failedFirst<T extends { status: KnowledgeStatus }>(documents: T[]): T[] {
  return [...documents.filter((d) => d.status === 'failed'), ...documents.filter((d) => d.status !== 'failed')];
}

/** The sentences to read out when sources finish syncing between two answers of the list. */
export function finished(before: KnowledgeSource[] | undefined, after: KnowledgeSource[]): string[] {
  if (!before) return [];
  const was = new Map(before.map((s) => [s.id, s.status]));
  return after
    .filter((s) => {
      const old = was.get(s.id);
      return old !== undefined && isBusy({ status: old }) && !isBusy(s);
    })
    .map((s) => (s.status === 'ready' ? `“${s.title}” is ready.` : `“${s.title}” failed: ${s.error ?? 'no reason given.'}`));
}

/** The hours field: empty for "by hand only" (null), else a whole number the server checks. */
export function intervalOf(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

/** A link only to http(s) addresses: titles and addresses come from fetched pages. */
export function webHref(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
