// POST /v1/embeddings for the local Mistral (scripts/fake-mistral.ts): Mistral's request
// checks and limits and its response shape ({id, object, data[{object, embedding, index}],
// model, usage}), so the real SDK parses it. The vectors mean something: a hashed bag of
// words, so texts that share words are close and retrieval tests find what they should.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const FAKE_EMBEDDING_DIMENSIONS = 1024;
/** What Mistral refuses beyond (inputs per request, tokens per request, tokens per input). */
export const FAKE_EMBEDDING_LIMITS = { inputs: 256, requestTokens: 16_384, inputTokens: 8_192 };

/** One embeddings request as the fake received it. */
export interface FakeEmbeddingsRequest {
  model: string | undefined;
  inputs: string[];
  authorization: string | undefined;
}

export type FakeEmbeddingsReply =
  /** An HTTP error, with headers such as Retry-After. */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Headers are never sent. */
  | { hang: true }
  /** The normal answer. */
  | undefined;

export type FakeEmbeddingsScript = (request: FakeEmbeddingsRequest) => FakeEmbeddingsReply;

export interface FakeEmbeddings {
  /** Every request that passed the key check, in order, including those answered with an error. */
  requests: FakeEmbeddingsRequest[];
  /** Decides the reply to each request from now on; no argument restores the default. */
  setScript(script?: FakeEmbeddingsScript): void;
  /** The next n requests get this status (429 by default, as when rate limited), then the default again. */
  failNext(n: number, status?: number, headers?: Record<string, string>): void;
}

const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from how i if in is it my of on or our the this to was we what when where which who why will with you your'.split(' '),
);

/** Lower-cased words without stop words, crudely stemmed: "Refunds" and "refund" are one word. */
export function fakeWords(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((w) => !STOP_WORDS.has(w)).map((w) => (w.length > 4 ? w.replace(/(?:ing|ed|(?<=s|x|z|ch|sh)es|(?<!s)s)$/, '') : w));
}

/** The fake's embedding of a text: each word hashed to a dimension and a sign, weighted 1 + ln(count), L2-normalised. */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(FAKE_EMBEDDING_DIMENSIONS).fill(0);
  const counts = new Map<string, number>();
  for (const w of fakeWords(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const [word, count] of counts) {
    const h = createHash('sha256').update(word).digest();
    vector[h.readUInt16BE(0) % FAKE_EMBEDDING_DIMENSIONS]! += (h[2]! & 1 ? 1 : -1) * (1 + Math.log(count));
  }
  const norm = Math.hypot(...vector);
  // A text of stop words only still gets a unit vector: a zero vector has no cosine.
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((v) => v / norm);
}

const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export function createFakeEmbeddings(): FakeEmbeddings & { matches(req: IncomingMessage): boolean; handle(req: IncomingMessage, res: ServerResponse): Promise<void> } {
  const requests: FakeEmbeddingsRequest[] = [];
  let script: FakeEmbeddingsScript | undefined;
  let failures: { left: number; status: number; headers?: Record<string, string> } = { left: 0, status: 429 };
  const reply = (request: FakeEmbeddingsRequest): FakeEmbeddingsReply => {
    if (failures.left > 0) {
      failures.left--;
      return { status: failures.status, headers: failures.headers, body: failures.status === 429 ? { object: 'error', message: 'Requests rate limit exceeded', type: 'rate_limited', code: '1300' } : undefined };
    }
    return script?.(request);
  };
  return {
    requests,
    setScript: (next) => void (script = next),
    failNext: (n, status = 429, headers) => void (failures = { left: n, status, headers }),
    matches: (req) => req.method === 'POST' && req.url?.split('?')[0] === '/v1/embeddings',
    handle: (req, res) => handle(req, res, requests, reply),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, requests: FakeEmbeddingsRequest[], reply: FakeEmbeddingsScript): Promise<void> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const authorization = req.headers.authorization;
  if (!authorization?.startsWith('Bearer ') || authorization.length <= 'Bearer '.length) {
    return json(res, 401, { message: 'Unauthorized', request_id: randomBytes(8).toString('hex') });
  }
  let body: { model?: unknown; input?: unknown };
  try {
    body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
  } catch {
    return json(res, 400, { object: 'error', message: 'Invalid JSON body', type: 'invalid_request_error' });
  }
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  if (typeof body.model !== 'string' || !Array.isArray(inputs) || !inputs.every((i) => typeof i === 'string')) {
    return json(res, 422, { object: 'error', message: { detail: [{ type: 'missing', loc: ['body'], msg: 'model (string) and input (string or array of strings) are required' }] }, type: 'invalid_request_error' });
  }
  const request: FakeEmbeddingsRequest = { model: body.model, inputs: inputs as string[], authorization };
  requests.push(request);
  const scripted = reply(request);
  if (scripted && 'hang' in scripted) return;
  if (scripted) {
    return json(res, scripted.status, scripted.body ?? { object: 'error', message: `HTTP ${scripted.status}`, type: 'api_error' }, scripted.headers);
  }
  const tokens = request.inputs.map(estimateTokens);
  const total = tokens.reduce((a, b) => a + b, 0);
  const refuse = (message: string) => json(res, 400, { object: 'error', message, type: 'invalid_request_error', param: null, code: '3210' });
  if (request.inputs.length === 0) return refuse('Input must not be empty');
  if (request.inputs.length > FAKE_EMBEDDING_LIMITS.inputs) return refuse('Too many inputs in request, split into more batches.');
  if (tokens.some((t) => t > FAKE_EMBEDDING_LIMITS.inputTokens)) return refuse(`Input is too long: at most ${FAKE_EMBEDDING_LIMITS.inputTokens} tokens.`);
  if (total > FAKE_EMBEDDING_LIMITS.requestTokens) return refuse('Too many tokens overall, split into more batches.');
  json(res, 200, {
    id: randomBytes(16).toString('hex'),
    object: 'list',
    data: request.inputs.map((text, index) => ({ object: 'embedding', embedding: fakeEmbedding(text), index })),
    model: request.model,
    usage: { prompt_tokens: total, total_tokens: total, completion_tokens: 0 },
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
