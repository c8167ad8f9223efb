// Memory across runs: the chat load through Parley (every level) repeated against one server
// process, its resident memory and heap (after a forced GC) read after each run and after an
// idle pause. The level is what the server holds after the first run (pools, caches and JIT
// code warmed up); memory that keeps climbing from there, or stays up when idle, is growth.
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { databasesToRun, describeServerEnv, REPLY } from './chat.js';
import { failedCount, measureLevel } from './load.js';
import type { BenchOptions } from './options.js';
import { withParley, type BenchServer } from './parley-server.js';
import { startProvider } from './provider.js';
import { record } from './results.js';
import { parleyTarget } from './targets.js';

/** Within this much of its level after the first run, memory counts as back at its level. */
const TOLERANCE = 0.1;

interface Reading {
  label: string;
  rss: number;
  heapUsed: number;
  fds: number;
  resources: number;
  load: number;
  failed?: number;
  seconds?: number;
}

async function read(server: BenchServer, label: string): Promise<Reading> {
  const probe = await server.probe({ gc: true });
  return { label, rss: probe.memory.rss, heapUsed: probe.memory.heapUsed, fds: server.fds(), resources: probe.resources, load: loadavg()[0]! };
}

async function soak(server: BenchServer, options: BenchOptions): Promise<Reading[]> {
  const target = parleyTarget(server);
  await target.prepare(Math.max(...options.levels));
  const readings = [await read(server, 'started')];
  for (let run = 1; run <= options.soakRuns; run++) {
    const started = performance.now();
    let failed = 0;
    for (const level of options.levels) failed += failedCount(await measureLevel(target, level, options.samples));
    readings.push({ ...(await read(server, `after run ${run}`)), failed, seconds: (performance.now() - started) / 1000 });
    process.stdout.write(`  ${server.kind} run ${run}/${options.soakRuns} done\n`);
  }
  await sleep(options.idleSeconds * 1000);
  readings.push(await read(server, `after ${options.idleSeconds} s idle`));
  return readings;
}

function verdict(readings: Reading[]): { back: boolean; rssGrowthPerRun: number; text: string } {
  const level = readings[1]!;
  const lastRun = readings.at(-2)!;
  const idle = readings.at(-1)!;
  const runs = readings.length - 2;
  const rssGrowthPerRun = runs > 1 ? (lastRun.rss - level.rss) / (runs - 1) : 0;
  const within = (now: number, base: number) => now <= base * (1 + TOLERANCE);
  const back = within(idle.rss, level.rss) && within(idle.heapUsed, level.heapUsed);
  const mb = (b: number) => (b / 1048576).toFixed(1);
  const text = `RSS ${mb(level.rss)} MiB after run 1, ${mb(idle.rss)} MiB idle at the end (${runs > 1 ? `${rssGrowthPerRun >= 0 ? '+' : ''}${mb(rssGrowthPerRun)} MiB a run from run 1 to ${runs}` : 'one run'}); ` +
    `heap ${mb(level.heapUsed)} -> ${mb(idle.heapUsed)} MiB: ${back ? 'back at its level' : 'GROWS'} (within ${TOLERANCE * 100} % of run 1's)`;
  return { back, rssGrowthPerRun, text };
}

export async function benchSoak(options: BenchOptions): Promise<void> {
  console.log(`## Memory soak: the chat load through Parley (${options.levels.join(', ')} streams, ≥${options.samples} each) ${options.soakRuns} times against one server, then ${options.idleSeconds} s idle\n`);
  console.log(describeServerEnv(options));
  console.log('Each reading after a forced GC; heap used is the main thread\'s, RSS the whole process (PGlite\'s worker included).\n');
  const provider = await startProvider(REPLY);
  const figures: Record<string, { readings: Reading[]; back: boolean; rssGrowthPerRun: number }> = {};
  try {
    for (const database of databasesToRun(options)) {
      const readings = await withParley(database, provider, options.serverEnv, (server) => soak(server, options));
      const v = verdict(readings);
      figures[database] = { readings, back: v.back, rssGrowthPerRun: v.rssGrowthPerRun };
      console.log(`\n### ${database}\n`);
      console.log(`${'reading'.padEnd(18)} ${'RSS MiB'.padStart(9)} ${'heap MiB'.padStart(9)} ${'fds'.padStart(6)} ${'handles'.padStart(8)} ${'load'.padStart(6)} ${'failed'.padStart(7)} ${'run s'.padStart(7)}`);
      for (const r of readings) {
        const mb = (b: number) => (b / 1048576).toFixed(1).padStart(9);
        console.log(`${r.label.padEnd(18)} ${mb(r.rss)} ${mb(r.heapUsed)} ${String(r.fds).padStart(6)} ${String(r.resources).padStart(8)} ${r.load.toFixed(2).padStart(6)} ${String(r.failed ?? '').padStart(7)} ${(r.seconds?.toFixed(1) ?? '').padStart(7)}`);
      }
      console.log(v.text);
    }
  } finally {
    await provider.close();
  }
  record('soak', { levels: options.levels, samples: options.samples, runs: options.soakRuns, idleSeconds: options.idleSeconds, tolerance: TOLERANCE, databases: figures });
}
