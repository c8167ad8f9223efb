// POST /v1/ocr for the local Mistral (scripts/fake-mistral.ts): Mistral OCR's request checks and
// response shape (pages[{index, markdown, images, dimensions}], model, usage_info), so the real
// SDK parses it. It recognises nothing: each page's Markdown comes from a script, or a default
// that says which page and document it was.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One OCR request as the fake received it. */
export interface FakeOcrRequest {
  /** The parsed JSON body: model, document, pages, include_image_base64, … */
  body: { model?: string; document?: { type?: string; document_url?: string; image_url?: unknown }; pages?: unknown; [k: string]: unknown };
  authorization: string | undefined;
  /** The document's MIME type and decoded size, from its data URL ('' and 0 for a plain URL). */
  mimeType: string;
  bytes: number;
}

export type FakeOcrReply =
  /** The Markdown of each page, in order. */
  | { pages: string[] }
  | { status: number; body?: unknown }
  /** Headers are never sent. */
  | { hang: true };

export type FakeOcrScript = (request: FakeOcrRequest) => FakeOcrReply;

export interface FakeOcr {
  requests: FakeOcrRequest[];
  /** Decides the reply to each OCR request from now on; no argument restores the default. */
  setScript(script?: FakeOcrScript): void;
}

/** What the default script answers for one page: a heading, a sentence, and an image reference as Mistral writes them. */
export function defaultOcrPage(index: number, request: FakeOcrRequest): string {
  return [`# Scanned page ${index + 1}`, '', `Text recognised by the local Mistral OCR in a ${request.mimeType} of ${request.bytes} bytes.`, '', `![img-${index}.jpeg](img-${index}.jpeg)`].join('\n');
}

const defaultScript: FakeOcrScript = (request) => ({ pages: [defaultOcrPage(0, request)] });

export function createFakeOcr(): FakeOcr & { matches(req: IncomingMessage): boolean; handle(req: IncomingMessage, res: ServerResponse): Promise<void> } {
  const requests: FakeOcrRequest[] = [];
  let script = defaultScript;
  return {
    requests,
    setScript: (next) => void (script = next ?? defaultScript),
    matches: (req) => req.method === 'POST' && req.url?.split('?')[0] === '/v1/ocr',
    handle: (req, res) => handle(req, res, requests, () => script),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, requests: FakeOcrRequest[], script: () => FakeOcrScript): Promise<void> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const authorization = req.headers.authorization;
  if (!authorization?.startsWith('Bearer ') || authorization.length <= 'Bearer '.length) {
    return json(res, 401, { message: 'Unauthorized', request_id: randomBytes(8).toString('hex') });
  }
  let body: FakeOcrRequest['body'];
  try {
    body = JSON.parse(Buffer.concat(parts).toString('utf8')) as FakeOcrRequest['body'];
  } catch {
    return json(res, 400, { object: 'error', message: 'Invalid JSON body', type: 'invalid_request_error' });
  }
  const document = body.document;
  const url = document?.type === 'document_url' ? document.document_url : document?.type === 'image_url' ? imageUrl(document.image_url) : undefined;
  if (typeof body.model !== 'string' || typeof url !== 'string') {
    // Mistral answers a malformed body with a 422 listing what is wrong.
    return json(res, 422, { detail: [{ type: 'missing', loc: ['body', typeof body.model !== 'string' ? 'model' : 'document'], msg: 'Field required' }] });
  }
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  const request: FakeOcrRequest = { body, authorization, mimeType: data?.[1] ?? '', bytes: data ? Buffer.from(data[2]!, 'base64').byteLength : 0 };
  requests.push(request);

  const reply = script()(request);
  if ('hang' in reply) return;
  if ('status' in reply) return json(res, reply.status, reply.body ?? { object: 'error', message: `HTTP ${reply.status}`, type: 'api_error' });
  json(res, 200, {
    pages: reply.pages.map((markdown, index) => ({
      index,
      markdown,
      images: [...markdown.matchAll(/!\[(img-\d+\.\w+)\]/g)].map((m) => ({ id: m[1], top_left_x: 10, top_left_y: 10, bottom_right_x: 200, bottom_right_y: 120, image_base64: null })),
      tables: [],
      hyperlinks: [],
      header: null,
      footer: null,
      dimensions: { dpi: 200, height: 2200, width: 1700 },
    })),
    model: body.model === 'mistral-ocr-latest' ? 'mistral-ocr-2512' : body.model,
    document_annotation: null,
    usage_info: { pages_processed: reply.pages.length, doc_size_bytes: request.bytes },
  });
}

function imageUrl(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const url = (value as { url?: unknown } | null)?.url;
  return typeof url === 'string' ? url : undefined;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
