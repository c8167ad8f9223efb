// DOCX through mammoth to HTML (Word's "Heading 1…6" styles become <h1>…<h6>), then the HTML path.
import mammoth from 'mammoth';
import { ExtractError, MAX_DOCX_UNZIPPED_BYTES } from './extract-types.js';
import { htmlToMarkdown } from './html.js';
import type { MarkdownText } from './text.js';
import { unzippedSize } from './zip-size.js';

export async function docxToMarkdown(bytes: Uint8Array): Promise<MarkdownText> {
  const size = unzippedSize(bytes);
  if (size === undefined) throw new ExtractError('corrupt_file', 'This DOCX file could not be opened; it may be damaged.');
  if (size > MAX_DOCX_UNZIPPED_BYTES) {
    throw new ExtractError('too_large', `This DOCX file unpacks to more than ${MAX_DOCX_UNZIPPED_BYTES / 1024 / 1024} MB; split it into smaller documents.`);
  }
  let html: string;
  try {
    // Pictures would come back inline as base64; they are dropped later anyway, so never decode them.
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })) },
    );
    html = result.value;
  } catch {
    throw new ExtractError('corrupt_file', 'This DOCX file could not be read; it may be damaged or not a Word document.');
  }
  return htmlToMarkdown(html);
}
