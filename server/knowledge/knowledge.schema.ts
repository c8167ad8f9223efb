// What the knowledge routes accept (docs/admin-api.md "Knowledge", docs/server-api.md "Sources").
// Uploads are checked in source-upload.ts; addresses again by the address guard in the service.
import { z } from 'zod';

/** Sources one workspace may hold: enough for a help centre per product, a bound on storage and sync work. */
export const MAX_SOURCES_PER_WORKSPACE = 500;
/** Pasted text, in UTF-8 bytes (2 MiB): a long manual; bigger documents are better uploaded. */
export const MAX_TEXT_BYTES = 2 * 1024 * 1024;
/** The JSON body of a new source: room for MAX_TEXT_BYTES however its characters are escaped. */
export const SOURCE_JSON_LIMIT = '8mb';
/** Documents listed with a source (failed ones first). */
export const MAX_LISTED_DOCUMENTS = 500;
/** The longest address accepted (the column allows 2048). */
export const MAX_URL_CHARS = 2048;

const title = z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(300, { error: 'must be at most 300 characters' });
const url = z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(MAX_URL_CHARS, { error: `must be at most ${MAX_URL_CHARS} characters` });
/** Hours between scheduled re-syncs (1 hour to a year), or null for by hand only. */
const syncIntervalHours = z.number({ error: 'must be a number of hours or null' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(8760, { error: 'must be at most 8760 (a year)' }).nullable();
const content = z.string({ error: 'must be a string' }).refine((s) => s.trim().length > 0, { error: 'must not be empty' });

/** Admin `POST /sources` with a JSON body. */
export const adminSourceBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('text'), title, content }),
  z.strictObject({ kind: z.enum(['url', 'sitemap']), url, title: title.optional(), syncIntervalHours: syncIntervalHours.optional() }),
], { error: 'kind must be text, url or sitemap (files are sent as multipart/form-data)' });

/** `POST /api/v1/sources`, text: {title, content, url?}; url is where its citations link. */
export const apiTextSourceBody = z.strictObject({ title, content, url: url.optional() });
/** `POST /api/v1/sources`, a page or (sitemap: true) a sitemap to fetch. */
export const apiUrlSourceBody = z.strictObject({ url, sitemap: z.boolean({ error: 'must be true or false' }).optional(), title: title.optional(), syncIntervalHours: syncIntervalHours.optional() });

/** The form fields that may come with an uploaded file. */
export const uploadFields = z.strictObject({ title: title.optional(), kind: z.literal('file', { error: 'must be file for an upload' }).optional() });

export const sourcePatchBody = z
  .strictObject({ title: title.optional(), syncIntervalHours: syncIntervalHours.optional() })
  .refine((b) => b.title !== undefined || b.syncIntervalHours !== undefined, { error: 'send title or syncIntervalHours' });

export const documentsQuery = z.object({ status: z.enum(['pending', 'processing', 'ready', 'failed'], { error: 'must be pending, processing, ready or failed' }).optional() });

export const settingsPatchBody = z
  .strictObject({
    /** sources_only: answer from the sources or say unknownAnswer; sources_and_general: general knowledge too. */
    strictness: z.enum(['sources_only', 'sources_and_general'], { error: 'must be sources_only or sources_and_general' }).optional(),
    /** What the assistant says under sources_only when the sources do not have the answer. */
    unknownAnswer: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(1000, { error: 'must be at most 1000 characters' }).optional(),
    /** Whether scanned PDFs and images may be sent to Mistral OCR. */
    allowOcr: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { error: 'send at least one setting to change' });

export const searchBody = z.strictObject({
  question: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(1000, { error: 'must be at most 1000 characters' }),
});

export const sourceIdParam = z.uuid({ error: 'must be an id' });

export type SettingsPatch = z.output<typeof settingsPatchBody>;
export type SourcePatchInput = z.output<typeof sourcePatchBody>;
