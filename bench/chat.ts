// Streaming through Parley versus straight from the local Mistral: time to first
// and last token at 1 and 50 concurrent streams, and server memory per open stream.
// The server runs as its own process (`npm start`, compiled), as in production;
// BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to its node.
import { readFileSync } from 'node:fs';
import { startFakeMistral, type FakeMistral } from '../scripts/fake-mistral.js';
import { spawnServer, type ChildServer } from '../test/support/child-server.js';
import { testEnv } from '../test/support/test-server.js';
import { SseParser } from '../widget/lib/sse.js';
import { withScratchPostgres } from './scratch-db.js';
import { formatSummary, summarize } from './stats.js';

const CHUNKS = 40;
const CHUNK_DELAY_MS = 5;
const OPEN_STREAMS = 200;

export interface Timing {
  first: number;
  last: number;
}

/** Reads an event stream, noting when the first text arrived and when it ended. */
export async function timeStream(res: Response, started: number, isText: (event: string, data: string) => boolean): Promise<Timing> {
  if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let first = 0;
  for await (const chunk of res.body) {
    for (const { event, data } of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
      if (event === 'error') throw new Error(`stream error: ${data}`);
      if (!first && isText(event, data)) first = performance.now() - started;
    }
  }
  return { first, last: performance.now() - started };
}

function direct(fake: FakeMistral): () => Promise<Timing> {
  return async () => {
    const started = performance.now();
    const res = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer bench' },
      body: JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'How fast?' }] }),
    });
    return timeStream(res, started, (_e, data) => data !== '[DONE]' && data.includes('"content"'));
  };
}

/** One visitor of the demo workspace, with an address of its own so per-address limits do not mix visitors. */
export async function visitor(server: ChildServer, origin: string, n: number): Promise<() => Promise<Timing>> {
  const headers = { 'Content-Type': 'application/json', Origin: origin, 'X-Forwarded-For': `198.51.100.${n % 250}` };
  const session = await post(`${server.url}/api/widget/sessions`, headers, { workspace: 'parley-demo' });
  const auth = { ...headers, Authorization: `Bearer ${session.token as string}` };
  const conversation = await post(`${server.url}/api/widget/conversations`, auth, {});
  return async () => {
    const started = performance.now();
    const res = await fetch(`${server.url}/api/widget/conversations/${conversation.id as string}/messages`, {
      method: 'POST', headers: auth, body: JSON.stringify({ content: 'How fast?' }),
    });
    return timeStream(res, started, (event) => event === 'delta');
  };
}

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** `samples` streams, `concurrency` at a time, spread over the given streams. */
async function measure(label: string, streams: (() => Promise<Timing>)[], concurrency: number, samples: number): Promise<void> {
  const timings: Timing[] = [];
  for (let done = 0; done < samples; done += concurrency) {
    const batch = Array.from({ length: concurrency }, (_, i) => streams[(done + i) % streams.length]!);
    timings.push(...(await Promise.all(batch.map((s) => s()))));
  }
  console.log(formatSummary(`${label} first token`, summarize(timings.map((t) => t.first))));
  console.log(formatSummary(`${label} last token`, summarize(timings.map((t) => t.last))));
}

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Opens many replies that never finish and compares the server's resident memory. */
async function memoryPerStream(server: ChildServer, fake: FakeMistral, origin: string): Promise<void> {
  const visitors = await Promise.all(Array.from({ length: OPEN_STREAMS / 4 }, (_, i) => openingVisitor(server, origin, 100 + i)));
  fake.setScript(() => ({ chunks: ['Still thinking'], end: 'hang' }));
  await new Promise((r) => setTimeout(r, 500));
  const before = rssBytes(server.child.pid!);
  const controller = new AbortController();
  await Promise.all(visitors.flatMap((open) => Array.from({ length: 4 }, () => open(controller.signal))));
  const after = rssBytes(server.child.pid!);
  controller.abort();
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`server RSS with no stream ${mb(before)}, with ${OPEN_STREAMS} open ${mb(after)}: ${((after - before) / OPEN_STREAMS / 1024).toFixed(1)} KiB per open stream`);
}

/** A visitor whose replies are left open after their first delta. */
async function openingVisitor(server: ChildServer, origin: string, n: number): Promise<(signal: AbortSignal) => Promise<void>> {
  const headers = { 'Content-Type': 'application/json', Origin: origin, 'X-Forwarded-For': `198.51.100.${n % 250}` };
  const session = await post(`${server.url}/api/widget/sessions`, headers, { workspace: 'parley-demo' });
  const auth = { ...headers, Authorization: `Bearer ${session.token as string}` };
  const conversation = await post(`${server.url}/api/widget/conversations`, auth, {});
  return async (signal) => {
    const res = await fetch(`${server.url}/api/widget/conversations/${conversation.id as string}/messages`, {
      method: 'POST', headers: auth, body: JSON.stringify({ content: 'Keep going' }), signal,
    });
    const reader = res.body!.getReader();
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended early');
      if (parser.push(decoder.decode(value, { stream: true })).some((e) => e.event === 'delta')) return;
    }
  };
}

export async function benchChat(): Promise<void> {
  console.log(`## Chat streaming (${CHUNKS} chunks ${CHUNK_DELAY_MS} ms apart from the local Mistral)\n`);
  await benchChatOn('pglite', {});
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (adminUrl) await withScratchPostgres(adminUrl, (url) => benchChatOn('postgres', { DATABASE_URL: url }));
  else console.log('(set BENCH_DATABASE_URL=postgres://… to measure PostgreSQL too)');
}

async function benchChatOn(label: string, env: Record<string, string>): Promise<void> {
  console.log(`### ${label}`);
  const fake = await startFakeMistral();
  fake.setScript(() => ({ chunks: Array.from({ length: CHUNKS }, (_, i) => `token${i} `), delayMs: CHUNK_DELAY_MS }));
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const server = await spawnServer([...nodeArgs, 'scripts/start.mjs'], testEnv({
    ...env, DEMO: 'on', DEMO_PORT: '0', LOG_LEVEL: 'warn', MISTRAL_SERVER_URL: fake.url, MISTRAL_API_KEY: 'bench-key',
    // Measured, not refused: no daily budget, and a burst waits for admission rather than getting 503 busy.
    DAILY_TOKEN_BUDGET: '0', ADMISSION_MAX_WAIT_MS: '60000',
  }), 180_000);
  try {
    const origin = /Demo page:\s+(http:\/\/\S+?)\/?\s/.exec(server.output())![1]!;
    const visitors = await Promise.all(Array.from({ length: 50 }, (_, i) => visitor(server, origin, i)));
    for (const [concurrency, samples] of [[1, 60], [50, 200]] as const) {
      await measure(`direct     x${concurrency}`, [direct(fake)], concurrency, samples);
      await measure(`via Parley x${concurrency}`, visitors, concurrency, samples);
    }
    await memoryPerStream(server, fake, origin);
  } finally {
    await server.stop();
    await fake.close();
  }
  console.log();
}
