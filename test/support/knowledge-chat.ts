// A workspace's help centre for the grounded-reply tests, stored as the ingestion does it.
import type { FakeRequest } from '../../scripts/fake-mistral.js';
import type { Db } from '../../server/db/db.js';
import { mistralEmbedder } from '../../server/knowledge/embed/mistral-embed.js';
import { indexDocument } from '../../server/knowledge/index-document.js';
import { upsertDocument } from '../../server/knowledge/knowledge-documents.repo.js';
import { createSource } from '../../server/knowledge/knowledge.repo.js';
import { ARTICLES, asChunks } from './knowledge-help-centre.js';

/** The help centre's page: chunk n of ARTICLES links to HELP#n. */
export const HELP = 'https://help.example/page';
/** The pasted text of every help centre: it has no address. */
export const OPENING_HOURS = 'Our support team answers chats from nine to five on working days.';

/** The help centre as one page of chunks (each with its own #n address), plus a pasted text without one. */
export async function helpCentre(db: Db, mistralUrl: string, workspaceId: string): Promise<void> {
  const embedder = mistralEmbedder({ serverUrl: mistralUrl, maxAttempts: 1 });
  const source = await createSource(db, workspaceId, { kind: 'url', title: 'Help centre', url: 'https://help.example/' });
  const doc = await upsertDocument(db, workspaceId, source.id, { url: HELP, title: 'Help' });
  await indexDocument({ db, embedder, apiKey: 'ingest-key' }, { workspaceId, sourceId: source.id, documentId: doc.id, chunks: asChunks(ARTICLES, HELP) });
  const pasted = await createSource(db, workspaceId, { kind: 'text', title: 'Opening hours', text: OPENING_HOURS });
  const note = await upsertDocument(db, workspaceId, pasted.id, { url: null, title: 'Opening hours' });
  await indexDocument({ db, embedder, apiKey: 'ingest-key' }, {
    workspaceId, sourceId: pasted.id, documentId: note.id,
    chunks: [{ position: 0, title: 'Opening hours', headingPath: '', content: OPENING_HOURS, tokenEstimate: 16 }],
  });
}

/** The system message of a request the local Mistral received. */
export const systemOf = (r: FakeRequest): string => String(r.body.messages?.find((m) => m.role === 'system')?.content ?? '');

/** The number the grounded prompt gave the passage holding this text, if it holds it. */
export function passageNumber(system: string, text: string): number | undefined {
  const at = system.indexOf(text);
  if (at < 0) return undefined;
  const marker = [...system.slice(0, at).matchAll(/^\[(\d+)\]$/gm)].at(-1);
  return marker ? Number(marker[1]) : undefined;
}
