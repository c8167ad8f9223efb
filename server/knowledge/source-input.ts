// A new source's request body, admin panel or server API, turned into what the repository
// stores: validated, sized, typed, and its address checked. Nothing is stored on a refusal.
import { HttpError } from '../http/errors.js';
import { parseInput } from '../http/validate.js';
import type { AllowList } from './fetch/address-guard.js';
import { adminSourceBody, apiTextSourceBody, apiUrlSourceBody, MAX_TEXT_BYTES, uploadFields } from './knowledge.schema.js';
import type { NewSource } from './knowledge.repo.js';
import type { SourceBody } from './source-upload.js';
import { checkSourceUrl, titleFromUrl } from './source-url.js';
import { checkUpload, titleFromFileName } from './upload-type.js';

/** The admin panel's JSON ({kind, …}) or the server API's ({title, content, url?} or {url, sitemap?}). */
export type SourceFlavour = 'admin' | 'api';

export function newSourceFrom(body: SourceBody, flavour: SourceFlavour, allow: AllowList): NewSource {
  if (body.type === 'file') {
    const fields = parseInput(uploadFields, body.fields, 'invalid_body');
    const file = checkUpload(body.file.originalName, body.file.data);
    return { kind: 'file', title: fields.title ?? titleFromFileName(file.name), file: { name: file.name, mime: file.mime, data: body.file.data } };
  }
  const json = body.body;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new HttpError(400, 'invalid_body', 'The body must be a JSON object.');
  checkTextSize(json);
  if (flavour === 'admin') {
    const input = parseInput(adminSourceBody, json, 'invalid_body');
    if (input.kind === 'text') return { kind: 'text', title: input.title, text: input.content };
    const url = checkSourceUrl(input.url, allow);
    return { kind: input.kind, title: input.title ?? titleFromUrl(url), url, syncIntervalHours: input.syncIntervalHours ?? null };
  }
  if ('content' in json) {
    const input = parseInput(apiTextSourceBody, json, 'invalid_body');
    return { kind: 'text', title: input.title, text: input.content, url: input.url === undefined ? null : checkSourceUrl(input.url, allow) };
  }
  const input = parseInput(apiUrlSourceBody, json, 'invalid_body');
  const url = checkSourceUrl(input.url, allow);
  return { kind: input.sitemap ? 'sitemap' : 'url', title: input.title ?? titleFromUrl(url), url, syncIntervalHours: input.syncIntervalHours ?? null };
}

/** Pasted text above MAX_TEXT_BYTES is a 413, like a file above its limit, before any other check. */
function checkTextSize(json: object): void {
  const content = (json as { content?: unknown }).content;
  if (typeof content === 'string' && Buffer.byteLength(content, 'utf8') > MAX_TEXT_BYTES) {
    throw new HttpError(413, 'content_too_large', `The text is larger than ${MAX_TEXT_BYTES / (1024 * 1024)} MB; upload it as a file, or split it into several sources.`);
  }
}
