// First and last token straight from the local Mistral and through Parley, at each level of
// simultaneous streams, on PGlite and (with BENCH_DATABASE_URL) PostgreSQL. Per database one
// server process; each run measures every level, the provider right before Parley, so both
// see the same machine. Figures are medians across runs; the goals of issue 12 are reported
// as ratios within this run, never asserted.
import { printChatTable, printGoals, type DatabaseFigures } from './chat-report.js';
import { measureLevel, type LevelResult } from './load.js';
import type { BenchOptions } from './options.js';
import { BENCH_SERVER_ENV, withParley, type DatabaseKind } from './parley-server.js';
import { startProvider, type ProviderMode } from './provider.js';
import { record } from './results.js';
import { directTarget, parleyTarget, type Target } from './targets.js';

/** The local Mistral's reply: 40 chunks 5 ms apart, so a stream lasts about 200 ms. */
export const REPLY = { kind: 'stream', chunks: 40, delayMs: 5 } as const satisfies ProviderMode;

/** The databases asked for that can run here; says why one is left out. */
export function databasesToRun(options: BenchOptions): DatabaseKind[] {
  return options.databases.filter((d) => {
    if (d === 'postgres' && !process.env.BENCH_DATABASE_URL) {
      console.log('(PostgreSQL left out: set BENCH_DATABASE_URL=postgres://… to measure it too)');
      return false;
    }
    return true;
  });
}

export function describeServerEnv(options: BenchOptions): string {
  const changed = Object.entries(options.serverEnv).map(([k, v]) => `${k}=${v}`);
  return `Server: every RATE_LIMIT_* at 1000000/min (the defaults refuse a bench on purpose), TRUST_PROXY=none with each visitor on its own 127.x.y.z address, ` +
    `ADMISSION_MAX_WAIT_MS=${options.serverEnv.ADMISSION_MAX_WAIT_MS ?? BENCH_SERVER_ENV.ADMISSION_MAX_WAIT_MS}, DAILY_TOKEN_BUDGET=0, LOG_LEVEL=${options.serverEnv.LOG_LEVEL ?? 'warn'}` +
    (changed.length ? `; --server-env ${changed.join(' ')}` : '');
}

/** A short burst at every level, not measured: JIT, caches, pools and provider clients warm up. */
export async function warmUp(targets: Target[], levels: number[]): Promise<void> {
  for (const target of targets) for (const level of levels) await measureLevel(target, level, level);
}

export async function benchChat(options: BenchOptions): Promise<void> {
  const { levels, runs, samples } = options;
  console.log(`## Chat streaming: first and last token, ${levels.join(', ')} simultaneous streams, ${runs} run(s), ≥${samples} streams per level and run\n`);
  console.log(`Local Mistral in its own process: ${REPLY.chunks} chunks ${REPLY.delayMs} ms apart.`);
  console.log(describeServerEnv(options) + '\n');
  const figures: DatabaseFigures[] = [];
  const provider = await startProvider(REPLY);
  try {
    for (const database of databasesToRun(options)) {
      figures.push(await withParley(database, provider, options.serverEnv, async (server) => {
        const direct = directTarget(provider);
        const parley = parleyTarget(server);
        const max = Math.max(...levels);
        await Promise.all([direct.prepare(max), parley.prepare(max)]);
        await warmUp([direct, parley], levels);
        const rows = levels.map((level) => ({ level, provider: [] as LevelResult[], parley: [] as LevelResult[] }));
        const rss: number[] = [];
        for (let run = 1; run <= runs; run++) {
          for (const row of rows) {
            row.provider.push(await measureLevel(direct, row.level, samples));
            row.parley.push(await measureLevel(parley, row.level, samples));
          }
          rss.push(server.rss());
          process.stdout.write(`  ${database} run ${run}/${runs} done (server RSS ${(rss.at(-1)! / 1048576).toFixed(1)} MiB)\n`);
        }
        const result: DatabaseFigures = { database, rows, rssAfterRuns: rss };
        printChatTable(result);
        return result;
      }));
    }
  } finally {
    await provider.close();
  }
  const goals = printGoals(figures);
  record('chat', { levels, runs, samples, reply: REPLY, databases: figures, goals });
}
