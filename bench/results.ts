// The figures of one `npm run bench` as JSON in bench/results/ (gitignored), beside what
// produced them, so they can be compared and pasted into the README.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './options.js';
import { BENCH_SERVER_ENV } from './parley-server.js';

const figures: Record<string, unknown> = {};
const startedAt = new Date();
const loadAtStart = loadavg();

/** Keeps a section's figures for the JSON file. */
export function record(section: string, value: unknown): void {
  figures[section] = value;
}

/** Writes what was recorded, if anything, and returns the file's path. */
export function writeResults(options: BenchOptions): string | undefined {
  if (Object.keys(figures).length === 0) return undefined;
  const file = options.json ?? join(dirname(fileURLToPath(import.meta.url)), 'results', `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const machine = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, memory: totalmem(), loadAtStart, loadAtEnd: loadavg() };
  writeFileSync(file, JSON.stringify({ startedAt, finishedAt: new Date(), machine, options, serverEnv: { ...BENCH_SERVER_ENV, ...options.serverEnv }, figures }, null, 2) + '\n');
  return file;
}
