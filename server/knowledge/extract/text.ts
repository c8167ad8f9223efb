// Text as it comes (pasted, Markdown and plain text files), decoded and normalised so the same
// content always gives the same Markdown, and therefore the same chunk hashes.

/** Bytes to a string: byte order mark, then the declared charset, then (HTML) a <meta charset>, else UTF-8. */
export function decodeText(data: Uint8Array | string, contentType: string | undefined, html = false): string {
  if (typeof data === 'string') return data;
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return decode(data.subarray(3), 'utf-8');
  if (data[0] === 0xff && data[1] === 0xfe) return decode(data.subarray(2), 'utf-16le');
  if (data[0] === 0xfe && data[1] === 0xff) return decode(data.subarray(2), 'utf-16be');
  const declared = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const meta = html ? metaCharset(data) : undefined;
  return decode(data, declared ?? meta ?? 'utf-8');
}

function decode(bytes: Uint8Array, label: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    // An unknown label (a typo on the server) is better read as UTF-8 than refused.
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(bytes);
}

/** The charset a page declares in its first kilobytes, as browsers look for it. */
function metaCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
}

/**
 * Line ends to \n, no byte order mark, no control characters but tab and newline, no trailing
 * spaces, at most one blank line in a row, no blank lines at either end. Unicode NFC, so text
 * typed on different systems compares equal.
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/\u00a0/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

export interface MarkdownText {
  title: string | undefined;
  markdown: string;
}

/** Markdown as written; YAML front matter gives the title (and is removed), else the first level-1 heading. */
export function readMarkdown(text: string): MarkdownText {
  let markdown = normaliseText(text);
  let title: string | undefined;
  const front = /^---\n([\s\S]*?)\n(?:---|\.\.\.)(?:\n|$)/.exec(markdown);
  if (front) {
    const line = /^title:\s*(.+)$/m.exec(front[1]!)?.[1];
    title = line?.trim().replace(/^(["'])(.*)\1$/, '$2') || undefined;
    markdown = normaliseText(markdown.slice(front[0].length));
  }
  title ??= firstHeading(markdown);
  return { title, markdown };
}

/** Plain text: nothing to keep but the words; it names no title (the file name will do). */
export function readPlainText(text: string): MarkdownText {
  return { title: undefined, markdown: normaliseText(text) };
}

function firstHeading(markdown: string): string | undefined {
  return /^#[ \t]+(.+?)[ \t#]*$/m.exec(markdown)?.[1]?.trim() || /^(.+)\n=+$/m.exec(markdown)?.[1]?.trim() || undefined;
}
