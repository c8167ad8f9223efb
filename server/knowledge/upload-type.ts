// Which uploads become sources: the name's extension must be one Parley reads, and the bytes
// must agree with it (extract/detect-type.ts sniffs their signature), so a renamed
// executable or a PDF called notes.txt is refused before anything is stored.
import { basename } from 'node:path';
import { detectType } from './extract/detect-type.js';
import { ExtractError, type DocumentFormat } from './extract/extract-types.js';
import { HttpError } from '../http/errors.js';

/** Extensions accepted, by the format their bytes must have. Images go to Mistral OCR when the workspace allows it. */
const EXTENSIONS: Record<string, DocumentFormat> = {
  pdf: 'pdf', docx: 'docx',
  md: 'markdown', markdown: 'markdown', txt: 'text', text: 'text', html: 'html', htm: 'html',
  png: 'image', jpg: 'image', jpeg: 'image', webp: 'image',
};
const TEXT_FORMATS = new Set<DocumentFormat>(['markdown', 'text', 'html']);
const ACCEPTED = 'PDF, DOCX, Markdown (.md), HTML, plain text (.txt), or a PNG, JPEG or WebP image';

export interface CheckedUpload {
  /** The file name as stored and shown: no path, no control characters, at most 255 characters. */
  name: string;
  /** The type the bytes were found to be, for the extraction job. */
  mime: string;
}

const unsupported = (message: string) => new HttpError(415, 'unsupported_file_type', message);

/** The declared type is not consulted: browsers label files from their extension anyway. */
export function checkUpload(originalName: string, bytes: Uint8Array): CheckedUpload {
  const name = cleanName(originalName);
  if (bytes.byteLength === 0) throw new HttpError(400, 'empty_file', 'The file is empty.');
  const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const expected = extension ? EXTENSIONS[extension] : undefined;
  if (!expected) throw unsupported(`Parley reads ${ACCEPTED}; ${extension ? `.${extension} files are not among them` : 'the file name has no extension'}.`);
  let detected;
  try {
    detected = detectType(bytes, undefined, name);
  } catch (err) {
    if (err instanceof ExtractError) throw unsupported(err.message);
    throw err;
  }
  const agrees = TEXT_FORMATS.has(expected) ? TEXT_FORMATS.has(detected.format) : detected.format === expected;
  if (!agrees) throw unsupported(`The file is named .${extension} but its content is ${describe(detected.format)}; rename it or upload the right file.`);
  return { name, mime: detected.mimeType };
}

function describe(format: DocumentFormat): string {
  return format === 'image' ? 'an image' : format === 'pdf' || format === 'docx' || format === 'html' ? `a ${format.toUpperCase()} document` : 'text';
}

/** The last path segment (some browsers send a full path), control characters dropped, cut to 255 characters. */
export function cleanName(originalName: string): string {
  // eslint-disable-next-line no-control-regex
  const name = basename(originalName.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (name.length <= 255) return name || 'upload';
  const extension = /\.[a-z0-9]{1,10}$/i.exec(name)?.[0] ?? '';
  return name.slice(0, 255 - extension.length) + extension;
}

/** A title from a file name: without its extension. */
export function titleFromFileName(name: string): string {
  const stem = name.replace(/\.[a-z0-9]{1,10}$/i, '').trim();
  return (stem || name).slice(0, 300);
}
