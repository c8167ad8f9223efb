// The server's event-loop delay while 50 replies stream at once on the embedded
// database (issue 12: PGlite must not stall the loop; p99 under 50 ms is the goal),
// beside the first and last token. The server runs compiled, as in production, with
// bench/event-loop-probe.mjs preloaded to sample perf_hooks.monitorEventLoopDelay.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeMistral } from '../scripts/fake-mistral.js';
import { spawnServer, type ChildServer } from '../test/support/child-server.js';
import { testEnv } from '../test/support/test-server.js';
import { visitor, type Timing } from './chat.js';
import { formatSummary, summarize } from './stats.js';

const STREAMS = 50;
const ROUNDS = 3;
const CHUNKS = 40;
const CHUNK_DELAY_MS = 5;

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** Asks the probe for the delays since the last call (SIGUSR2) and waits for its file. */
async function loopDelay(server: ChildServer, file: string): Promise<LoopDelay> {
  rmSync(file, { force: true });
  server.child.kill('SIGUSR2');
  for (let waited = 0; !existsSync(file); waited += 10) {
    if (waited > 5_000) throw new Error('the event-loop probe did not answer');
    await sleep(10);
  }
  await sleep(10);
  return JSON.parse(readFileSync(file, 'utf8')) as LoopDelay;
}

export async function benchEventLoop(): Promise<void> {
  console.log(`## Event-loop delay on PGlite, ${STREAMS} streams at once (${CHUNKS} chunks ${CHUNK_DELAY_MS} ms apart), ${ROUNDS} rounds; sampled every 10 ms, so an idle loop reads about 10\n`);
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-loop-'));
  const file = join(scratch, 'event-loop.json');
  const fake = await startFakeMistral();
  fake.setScript(() => ({ chunks: Array.from({ length: CHUNKS }, (_, i) => `token${i} `), delayMs: CHUNK_DELAY_MS }));
  const server = await spawnServer(['--import', './bench/event-loop-probe.mjs', 'scripts/start.mjs'], testEnv({
    DEMO: 'on', DEMO_PORT: '0', LOG_LEVEL: 'warn', MISTRAL_SERVER_URL: fake.url, MISTRAL_API_KEY: 'bench-key',
    // Rounds of 50 replies must not run into the per-workspace daily budget.
    DAILY_TOKEN_BUDGET: '0', BENCH_EVENT_LOOP_FILE: file,
    // Measured, not refused: every message waits for its turn rather than being answered 503 busy.
    ADMISSION_MAX_WAIT_MS: '60000',
  }), 180_000);
  try {
    const origin = /Demo page:\s+(http:\/\/\S+?)\/?\s/.exec(server.output())![1]!;
    const visitors = await Promise.all(Array.from({ length: STREAMS }, (_, i) => visitor(server, origin, i)));
    await Promise.all(visitors.map((v) => v())); // warm-up: caches, JIT, the provider client
    const timings: Timing[] = [];
    const p99s: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await loopDelay(server, file);
      timings.push(...(await Promise.all(visitors.map((v) => v()))));
      const delay = await loopDelay(server, file);
      p99s.push(delay.p99);
      console.log(`round ${round}: event-loop delay p50 ${delay.p50.toFixed(1)}  p99 ${delay.p99.toFixed(1)}  max ${delay.max.toFixed(1)} ms  (load average ${loadavg()[0]!.toFixed(2)})`);
    }
    console.log(formatSummary(`via Parley x${STREAMS} first token`, summarize(timings.map((t) => t.first))));
    console.log(formatSummary(`via Parley x${STREAMS} last token`, summarize(timings.map((t) => t.last))));
    console.log(`event-loop delay p99, median of ${ROUNDS} rounds: ${summarize(p99s).p50.toFixed(1)} ms`);
  } finally {
    await server.stop();
    await fake.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
