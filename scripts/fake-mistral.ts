// A local Mistral: an HTTP server speaking Mistral's streamed chat completions protocol
// (and non-streamed completions, as the follow-up question rewrite asks for them),
// so the real SDK runs unchanged in tests and in `npm run dev`.
// Run it alone with `tsx scripts/fake-mistral.ts` (port FAKE_MISTRAL_PORT, default 4010).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createFakeEmbeddings, type FakeEmbeddings } from './fake-mistral-embeddings.js';
import { createFakeOcr, type FakeOcr } from './fake-mistral-ocr.js';

/** One request as the fake received it. */
export interface FakeRequest {
  /** The parsed JSON body: model, messages, stream, … */
  body: { model?: string; messages?: { role: string; content: unknown }[]; stream?: boolean; [k: string]: unknown };
  authorization: string | undefined;
  /** True when the client went away before the reply ended. */
  aborted: boolean;
  /** Resolves once the exchange is over, whichever way it ended. */
  closed: Promise<void>;
}

export type FakeChunk = string | { text: string; delayMs?: number };

export type FakeReply =
  /** An HTTP error before any streaming. */
  | { status: number; body?: unknown }
  /**
   * A stream: chunks `delayMs` apart (unless a chunk says otherwise), then how it ends. Each
   * chunk counts as one token: a request's `max_tokens` cuts the stream after that many
   * chunks with finish_reason `length`, as Mistral does, unless ignoreMaxTokens.
   */
  | {
      chunks: FakeChunk[];
      delayMs?: number;
      usage?: { promptTokens: number; completionTokens: number };
      end?: 'stop' | 'abrupt' | 'hang';
      ignoreMaxTokens?: boolean;
    }
  /** Headers are never sent. */
  | { hang: true };

export type FakeScript = (request: FakeRequest) => FakeReply;

/** What GET /v1/models answers instead of checking the key: an outage, or no answer at all. */
export type FakeModelsReply = { status: number; body?: unknown } | { hang: true };

/** Keys with this prefix are refused by GET /v1/models (401), as Mistral refuses a revoked key. */
export const REJECTED_KEY_PREFIX = 'rejected-';

export interface FakeMistral {
  url: string;
  /** Chat completion requests. */
  requests: FakeRequest[];
  /** The Authorization header of each GET /v1/models (checking a key). */
  modelRequests: (string | undefined)[];
  /** POST /v1/ocr: its requests and script (scripts/fake-mistral-ocr.ts). */
  ocr: FakeOcr;
  /** POST /v1/embeddings: its requests, script and scripted failures (scripts/fake-mistral-embeddings.ts). */
  embeddings: FakeEmbeddings;
  /** More keys GET /v1/models refuses with 401, besides those starting with REJECTED_KEY_PREFIX. */
  rejectKeys: Set<string>;
  /** Decides the reply to each request from now on; no argument restores the default. */
  setScript(script?: FakeScript): void;
  /** Overrides GET /v1/models from now on; no argument restores checking the key. */
  setModelsReply(reply?: FakeModelsReply): void;
  /** Chat completion requests whose response has neither ended nor been closed: what a provider still bills for. */
  openRequests(): number;
  close(): Promise<void>;
}

const DEFAULT_DELAY_MS = 20;
const CHUNK_CHARS = 12;

/** The text of the last user message of a request. */
export function lastUserText(request: FakeRequest): string {
  const last = [...(request.body.messages ?? [])].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/** A deterministic Markdown answer echoing the question: a list, code, inline and display math. */
export function defaultReplyText(question: string): string {
  const quoted = question.length > 200 ? `${question.slice(0, 200)}…` : question;
  return [
    `You asked: "${quoted}"`,
    '',
    'Here is a short answer in **Markdown**:',
    '',
    '- a point with `inline code`',
    '- a [link](https://example.com)',
    "- Euler's identity, inline: $e^{i\\pi}+1=0$",
    '',
    '```ts',
    'function square(x: number): number {',
    '  return x * x;',
    '}',
    '```',
    '',
    'And display math:',
    '',
    '$$\\int_0^1 x^2\\,dx = \\tfrac13$$',
    '',
    'That is all from the local stand-in for Mistral.',
  ].join('\n');
}

/** Splits text into the small pieces a model streams. */
export function toChunks(text: string, size = CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

const defaultScript: FakeScript = (request) => ({ chunks: toChunks(defaultReplyText(lastUserText(request))), delayMs: DEFAULT_DELAY_MS });

/** A slow model: one token every intervalMs for durationMs, so replies are still streaming when a test acts. */
export function slowScript(options: { intervalMs?: number; durationMs?: number } = {}): FakeScript {
  const intervalMs = options.intervalMs ?? 100;
  const tokens = Math.max(1, Math.round((options.durationMs ?? 60_000) / intervalMs));
  return () => ({ chunks: Array.from({ length: tokens }, (_, i) => `t${i} `), delayMs: intervalMs });
}

export async function startFakeMistral(options: { port?: number; host?: string } = {}): Promise<FakeMistral> {
  const requests: FakeRequest[] = [];
  const models: ModelsState = { requests: [], rejectKeys: new Set(), reply: undefined };
  let script = defaultScript;
  let open = 0;
  const ocr = createFakeOcr();
  const embeddings = createFakeEmbeddings();
  const server = createServer((req, res) => {
    if (ocr.matches(req)) return void ocr.handle(req, res).catch(() => res.destroy());
    if (embeddings.matches(req)) return void embeddings.handle(req, res).catch(() => res.destroy());
    const isModels = req.method === 'GET' && req.url?.split('?')[0] === '/v1/models';
    if (!isModels) {
      open++;
      // 'close' comes once, whether the response ended or the client went away.
      res.once('close', () => open--);
    }
    const handler = isModels ? handleModels(req, res, models) : handle(req, res, requests, () => script);
    handler.catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    requests,
    modelRequests: models.requests,
    ocr: { requests: ocr.requests, setScript: ocr.setScript },
    embeddings: { requests: embeddings.requests, setScript: embeddings.setScript, failNext: embeddings.failNext },
    rejectKeys: models.rejectKeys,
    setScript: (next) => void (script = next ?? defaultScript),
    setModelsReply: (reply) => void (models.reply = reply),
    openRequests: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, requests: FakeRequest[], script: () => FakeScript): Promise<void> {
  let raw = '';
  for await (const part of req) raw += String(part);
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(res, 404, { detail: 'Not Found' });
  const authorization = req.headers.authorization;
  if (!authorization?.startsWith('Bearer ') || authorization.length <= 'Bearer '.length) {
    return json(res, 401, { message: 'Unauthorized', request_id: randomBytes(8).toString('hex') });
  }
  let body: FakeRequest['body'];
  try {
    body = JSON.parse(raw) as FakeRequest['body'];
  } catch {
    return json(res, 400, { object: 'error', message: 'Invalid JSON body', type: 'invalid_request_error' });
  }
  let settle!: () => void;
  const request: FakeRequest = { body, authorization, aborted: false, closed: new Promise((r) => (settle = r)) };
  res.on('close', () => {
    if (!res.writableFinished) request.aborted = true;
    settle();
  });
  requests.push(request);
  const reply = script()(request);
  if ('hang' in reply) return;
  if ('status' in reply) return json(res, reply.status, reply.body ?? { object: 'error', message: `HTTP ${reply.status}`, type: 'api_error' });
  if (body.stream !== true) return completeWhole(res, request, reply);

  const id = `cmpl-${randomBytes(12).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model ?? 'mistral-small-latest';
  const send = (delta: Record<string, unknown>, finishReason: string | null, usage?: Record<string, number>) =>
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, ...(usage && { usage }), choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`);

  const maxTokens = typeof body.max_tokens === 'number' && !reply.ignoreMaxTokens ? body.max_tokens : Infinity;
  const chunks = reply.chunks.slice(0, maxTokens);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  for (const [index, chunk] of chunks.entries()) {
    const { text, delayMs } = typeof chunk === 'string' ? { text: chunk, delayMs: undefined } : chunk;
    await sleep(delayMs ?? reply.delayMs ?? 0, request.closed);
    if (res.destroyed) return;
    send(index === 0 ? { role: 'assistant', content: text } : { content: text }, null);
  }
  // end(), not destroy(): the chunks already written still arrive, then the body stops short.
  if (reply.end === 'abrupt') return void res.socket?.end();
  if (reply.end === 'hang') return;
  const promptChars = (body.messages ?? []).reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
  const usage = reply.usage ?? { promptTokens: Math.ceil(promptChars / 4), completionTokens: chunks.length };
  // Like Mistral, the last chunk carries the finish reason and the usage.
  send({ content: '' }, chunks.length < reply.chunks.length ? 'length' : 'stop', {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  });
  res.end('data: [DONE]\n\n');
}

/** A non-streamed completion (stream false or absent): the script's chunks as one message, after their delays. */
async function completeWhole(res: ServerResponse, request: FakeRequest, reply: Extract<FakeReply, { chunks: FakeChunk[] }>): Promise<void> {
  const { body } = request;
  const maxTokens = typeof body.max_tokens === 'number' && !reply.ignoreMaxTokens ? body.max_tokens : Infinity;
  const chunks = reply.chunks.slice(0, maxTokens).map((c) => (typeof c === 'string' ? { text: c, delayMs: undefined } : c));
  await sleep(chunks.reduce((ms, c) => ms + (c.delayMs ?? reply.delayMs ?? 0), 0), request.closed);
  if (res.destroyed || reply.end === 'hang') return;
  if (reply.end === 'abrupt') return void res.destroy();
  const promptChars = (body.messages ?? []).reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
  const usage = reply.usage ?? { promptTokens: Math.ceil(promptChars / 4), completionTokens: chunks.length };
  json(res, 200, {
    id: `cmpl-${randomBytes(12).toString('hex')}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body.model ?? 'mistral-small-latest',
    usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
    choices: [{ index: 0, message: { role: 'assistant', content: chunks.map((c) => c.text).join('') }, finish_reason: chunks.length < reply.chunks.length ? 'length' : 'stop' }],
  });
}

interface ModelsState {
  requests: (string | undefined)[];
  rejectKeys: Set<string>;
  reply: FakeModelsReply | undefined;
}

/** GET /v1/models: Mistral's model list for an accepted key, 401 for a refused one. */
async function handleModels(req: IncomingMessage, res: ServerResponse, state: ModelsState): Promise<void> {
  req.resume();
  const authorization = req.headers.authorization;
  state.requests.push(authorization);
  if (state.reply) {
    if ('hang' in state.reply) return;
    return json(res, state.reply.status, state.reply.body ?? { object: 'error', message: `HTTP ${state.reply.status}`, type: 'api_error' });
  }
  const key = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : '';
  if (!key || key.startsWith(REJECTED_KEY_PREFIX) || state.rejectKeys.has(key)) {
    return json(res, 401, { message: 'Unauthorized', request_id: randomBytes(8).toString('hex') });
  }
  const created = Math.floor(Date.now() / 1000);
  const card = (id: string) => ({
    id, object: 'model', created, owned_by: 'mistralai', type: 'base', max_context_length: 32768,
    capabilities: { completion_chat: true, function_calling: true, completion_fim: false, fine_tuning: false, vision: false },
  });
  json(res, 200, { object: 'list', data: [card('mistral-small-latest'), card('mistral-large-latest'), card('open-mistral-nemo')] });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sleep(ms: number, cancelled: Promise<void>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), cancelled]).finally(() => clearTimeout(timer));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.FAKE_MISTRAL_PORT ?? 4010);
  const fake = await startFakeMistral({ port });
  console.log(`Fake Mistral listening on ${fake.url} (any Bearer key works; GET /v1/models refuses keys starting with ${REJECTED_KEY_PREFIX})`);
  console.log(`  MISTRAL_SERVER_URL=${fake.url}`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
