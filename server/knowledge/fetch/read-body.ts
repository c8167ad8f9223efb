// Reads a response body with the byte limit enforced while streaming (after decompression, so a
// small gzip bomb stops at the limit like a large page), never buffering more than the limit.
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

export class TooLargeError extends Error {
  override name = 'TooLargeError';
}

export class UnknownEncodingError extends Error {
  override name = 'UnknownEncodingError';
}

/** The Accept-Encoding the fetcher sends: every coding readBody can undo. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export async function readBody(res: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  let decoders: Transform[];
  try {
    decoders = decodersFor(String(res.headers['content-encoding'] ?? ''));
  } catch (err) {
    res.destroy();
    throw err;
  }
  const declared = Number(res.headers['content-length']);
  if (decoders.length === 0 && Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw new TooLargeError(`declared ${declared} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  const sink = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      total += chunk.length;
      if (total > maxBytes) {
        tooLarge = true;
        throw new TooLargeError(`more than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  };
  const [decoder] = decoders;
  try {
    if (decoder) await pipeline(res, decoder, sink, { signal });
    else await pipeline(res, sink, { signal });
  } catch (err) {
    // Tearing down the decoder can surface its own AbortError first; the limit is the real cause.
    if (tooLarge) throw new TooLargeError(`more than ${maxBytes} bytes`);
    throw err;
  }
  return Buffer.concat(chunks, total);
}

/** At most one coding: a server stacking several (allowed, never seen in practice) is refused. */
function decodersFor(header: string): Transform[] {
  const codings = header.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c && c !== 'identity');
  if (codings.length > 1) throw new UnknownEncodingError(`content-encoding ${codings.join(', ')}`);
  return codings.map((coding) => {
    if (coding === 'gzip' || coding === 'x-gzip') return createGunzip();
    if (coding === 'deflate') return createInflate();
    if (coding === 'br') return createBrotliDecompress();
    throw new UnknownEncodingError(`content-encoding ${coding}`);
  });
}
