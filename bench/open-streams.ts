// Many reply streams held open at once against a slow provider (a token a second): the server's
// resident memory, heap (after a forced GC) and file descriptors per open stream; then every
// visitor leaves, and we count how long the provider's requests stay open (they should close).
import { setTimeout as sleep } from 'node:timers/promises';
import { databasesToRun, describeServerEnv, REPLY } from './chat.js';
import type { StreamResult } from './client.js';
import type { BenchOptions } from './options.js';
import { mib, withParley, type BenchServer, type ProbeReport } from './parley-server.js';
import { startProvider, type Provider, type ProviderMode } from './provider.js';
import { record } from './results.js';
import { parleyTarget } from './targets.js';

/** Streams opened together, each wave once all its streams showed text: a steady climb, not a burst. */
const WAVE = 100;
/** Address block of these visitors (127.30.x.y). */
const BLOCK = 30;
/** A model still writing: a token a second for ten minutes, so every stream is open while we read. */
const SLOW: ProviderMode = { kind: 'stream', chunks: 600, delayMs: 1_000 };
/** Longer than the keep-alive timeouts of the server (Node's 5 s) and of its provider client (undici's 4 s). */
const KEEP_ALIVE_MS = 6_000;

interface Reading {
  rss: number;
  heapUsed: number;
  fds: number;
}

async function reading(server: BenchServer): Promise<Reading> {
  const probe: ProbeReport = await server.probe({ gc: true });
  return { rss: probe.memory.rss, heapUsed: probe.memory.heapUsed, fds: server.fds() };
}

/** Polls until the provider has no open request; ms it took, or undefined after limitMs. */
async function untilProviderIdle(provider: Provider, limitMs: number): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if ((await provider.openRequests()) === 0) return performance.now() - started;
    await sleep(100);
  }
  return undefined;
}

async function holdOpen(server: BenchServer, provider: Provider, count: number) {
  const target = parleyTarget(server, BLOCK);
  const setupStarted = performance.now();
  await target.prepare(count);
  console.log(`  ${count} visitors with a session and a conversation in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);
  // Warm-up: whole replies through JIT, the pools, the provider client; then the idle keep-alive
  // connections on both sides time out (Node and undici: 5 s or less), so the streams count alone.
  await provider.setMode(REPLY);
  await Promise.all(Array.from({ length: Math.min(WAVE, count) }, (_, i) => target.stream(i).done));
  await provider.setMode(SLOW);
  target.closeIdle();
  await sleep(KEEP_ALIVE_MS);
  const before = await reading(server);

  const streams = [];
  const failures: Record<string, number> = {};
  const openStarted = performance.now();
  for (let i = 0; i < count; i += WAVE) {
    const wave = Array.from({ length: Math.min(WAVE, count - i) }, (_, k) => target.stream(i + k));
    const firsts: StreamResult[] = await Promise.all(wave.map((s) => s.firstText));
    firsts.forEach((r) => { if (!r.ok) failures[r.failure] = (failures[r.failure] ?? 0) + 1; });
    streams.push(...wave);
  }
  const openSeconds = (performance.now() - openStarted) / 1000;
  const opened = count - Object.values(failures).reduce((a, b) => a + b, 0);
  await sleep(1_000);
  const open = await reading(server);
  const providerOpen = await provider.openRequests();

  const left = performance.now();
  streams.forEach((s) => s.abort());
  await sleep(Math.max(0, 1_000 - (performance.now() - left)));
  const providerOpenAfter1s = await provider.openRequests();
  const closeMs = (await untilProviderIdle(provider, 30_000)) === undefined ? undefined : performance.now() - left;
  await sleep(2_000);
  const after = await reading(server);
  return { count, opened, failures, openSeconds, before, open, after, providerOpen, providerOpenAfter1s, providerIdleMsAfterLeaving: closeMs };
}

export async function benchOpenStreams(options: BenchOptions): Promise<void> {
  const count = options.openStreams;
  console.log(`## Open reply streams: ${count} held at once (opened ${WAVE} at a time) against a provider writing a token a second\n`);
  console.log(describeServerEnv(options));
  console.log('Memory read after a forced GC; heap is the main thread\'s (PGlite\'s worker has its own), RSS the whole process.\n');
  const provider = await startProvider(SLOW);
  const figures: Record<string, Awaited<ReturnType<typeof holdOpen>>> = {};
  try {
    for (const database of databasesToRun(options)) {
      console.log(`### ${database}`);
      const f = await withParley(database, provider, options.serverEnv, (server) => holdOpen(server, provider, count));
      figures[database] = f;
      const per = (a: number, b: number, unit: number) => (f.opened ? ((b - a) / f.opened / unit).toFixed(1) : '-');
      const failed = Object.entries(f.failures).map(([c, n]) => `${n}× ${c}`).join(', ');
      console.log(`opened ${f.opened} of ${f.count} in ${f.openSeconds.toFixed(1)} s${failed ? ` (failed: ${failed})` : ''}; the provider saw ${f.providerOpen} open requests`);
      console.log(`server RSS ${mib(f.before.rss)} -> ${mib(f.open.rss)}: ${per(f.before.rss, f.open.rss, 1024)} KiB per open stream`);
      console.log(`heap used ${mib(f.before.heapUsed)} -> ${mib(f.open.heapUsed)}: ${per(f.before.heapUsed, f.open.heapUsed, 1024)} KiB per open stream`);
      console.log(`file descriptors ${f.before.fds} -> ${f.open.fds}: ${per(f.before.fds, f.open.fds, 1)} per open stream`);
      const closed = f.providerIdleMsAfterLeaving === undefined ? 'some still open 31 s after' : `all closed ${(f.providerIdleMsAfterLeaving / 1000).toFixed(1)} s after`;
      console.log(`visitors left (after the GC of the reading above): provider requests still open 1 s later ${f.providerOpenAfter1s}; ${closed}`);
      console.log(`2 s after they closed: RSS ${mib(f.after.rss)}, heap used ${mib(f.after.heapUsed)}, file descriptors ${f.after.fds}\n`);
    }
  } finally {
    await provider.close();
  }
  record('openStreams', { count, wave: WAVE, databases: figures });
}
