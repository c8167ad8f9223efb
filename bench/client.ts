// The bench's HTTP client. Each simulated visitor connects from its own loopback address
// (127.B.x.y, bound with localAddress; Linux routes all of 127/8 to lo), so the server sees
// distinct peers on their sockets: no X-Forwarded-For to trust, per-address counters apart.
// node:http rather than fetch: less client CPU on the two cores the server also needs.
import { Agent, request, type IncomingMessage } from 'node:http';
import { SseParser, type SseEvent } from '../widget/lib/sse.js';

/** The address of client `index` in address block `block` (1–254): 127.block.x.y, never .0 or .255. */
export function clientAddress(block: number, index: number): string {
  const x = Math.floor(index / 250);
  if (x > 255) throw new Error('at most 64,000 client addresses per block');
  return `127.${block}.${x}.${(index % 250) + 1}`;
}

/** One client address with its own keep-alive connections, as one browser would have. */
export interface Peer {
  address: string;
  agent: Agent;
}

export function peer(address: string): Peer {
  return { address, agent: new Agent({ keepAlive: true }) };
}

export type StreamResult = { ok: true; first: number; last: number } | { ok: false; failure: string };

export interface StreamSpec {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** True for the event that carries the first text. */
  isText(event: SseEvent): boolean;
  /** The event that ends the stream well; `undefined` to go on, a failure label to stop. */
  verdict(event: SseEvent): 'done' | string | undefined;
  timeoutMs?: number;
}

export interface OpenStream {
  /** Resolves with ms to the first text, or the failure. */
  firstText: Promise<StreamResult>;
  /** Resolves when the stream ends, whichever way. */
  done: Promise<StreamResult>;
  /** Drops the connection, as a visitor closing the tab. */
  abort(): void;
}

/** Starts one streamed POST from `from` and times its first text and its end. */
export function openStream(from: Peer, spec: StreamSpec): OpenStream {
  const started = performance.now();
  let resolveFirst!: (r: StreamResult) => void;
  const firstText = new Promise<StreamResult>((r) => (resolveFirst = r));
  let first = 0;
  let settled = false;
  let resolveDone!: (r: StreamResult) => void;
  const done = new Promise<StreamResult>((r) => (resolveDone = r));
  const settle = (result: StreamResult) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    resolveFirst(first ? { ok: true, first, last: first } : result);
    resolveDone(result);
  };
  const payload = JSON.stringify(spec.body);
  const req = request(spec.url, {
    method: 'POST',
    agent: from.agent,
    localAddress: from.address,
    headers: { ...spec.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
  });
  const timer = setTimeout(() => {
    settle({ ok: false, failure: first ? 'timeout after first text' : 'timeout' });
    req.destroy();
  }, spec.timeoutMs ?? 120_000);
  req.on('error', (err: NodeJS.ErrnoException) => settle({ ok: false, failure: `network ${err.code ?? err.message}` }));
  req.on('response', (res: IncomingMessage) => {
    if (res.statusCode !== 200) return void readFailure(res).then(settle);
    const parser = new SseParser();
    res.setEncoding('utf8');
    res.on('data', (text: string) => {
      for (const event of parser.push(text)) {
        if (!first && spec.isText(event)) {
          first = performance.now() - started;
          resolveFirst({ ok: true, first, last: first });
        }
        const verdict = spec.verdict(event);
        if (verdict === 'done') settle({ ok: true, first, last: performance.now() - started });
        else if (verdict !== undefined) settle({ ok: false, failure: verdict });
      }
    });
    res.on('end', () => settle({ ok: false, failure: 'ended without done' }));
    res.on('error', (err: NodeJS.ErrnoException) => settle({ ok: false, failure: `network ${err.code ?? err.message}` }));
  });
  req.end(payload);
  return {
    firstText,
    done,
    abort: () => {
      settle({ ok: false, failure: 'aborted' });
      req.destroy();
    },
  };
}

/** "503 busy": the status and the error code of a JSON error answer. */
async function readFailure(res: IncomingMessage): Promise<StreamResult> {
  let text = '';
  res.setEncoding('utf8');
  for await (const part of res) text += part as string;
  let code = '';
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
  } catch {
    // not JSON: the status alone says enough
  }
  return { ok: false, failure: `${res.statusCode}${code ? ` ${code}` : ''}` };
}

/** A JSON POST from `from`; throws on anything but 2xx. */
export async function postJson(from: Peer, url: string, headers: Record<string, string>, body: unknown): Promise<Record<string, unknown>> {
  const payload = JSON.stringify(body);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent: from.agent,
      localAddress: from.address,
      headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
    });
    req.on('response', resolve).on('error', reject).end(payload);
  });
  let text = '';
  res.setEncoding('utf8');
  for await (const part of res) text += part as string;
  if (!res.statusCode || res.statusCode >= 300) throw new Error(`${url} answered ${res.statusCode}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}
