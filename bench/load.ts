// One level of load: bursts of `level` streams started together, from `level` clients, until
// at least `samples` streams were measured. Failures are counted by what they were, not timed.
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarize, type Summary } from './stats.js';
import type { Target } from './targets.js';

/** Quiet between bursts: a reply's storing after its last token is not the next burst's wait. */
const PAUSE_MS = 100;

export interface LevelResult {
  level: number;
  /** Streams that ended well. */
  ok: number;
  /** Failed streams by cause: "503 busy", "stream error …", "timeout", "network ECONNRESET", … */
  failures: Record<string, number>;
  /** Milliseconds from the request to the first text, and to the end of the stream. */
  first: Summary;
  last: Summary;
  /** The 1-minute load average when the level ended. */
  load: number;
}

export function burstsFor(level: number, samples: number): number {
  return Math.max(2, Math.ceil(samples / level));
}

export async function measureLevel(target: Target, level: number, samples: number): Promise<LevelResult> {
  const first: number[] = [];
  const last: number[] = [];
  const failures: Record<string, number> = {};
  for (let burst = burstsFor(level, samples); burst > 0; burst--) {
    await target.prepare(level);
    const results = await Promise.all(Array.from({ length: level }, (_, i) => target.stream(i).done));
    for (const r of results) {
      if (r.ok) {
        first.push(r.first);
        last.push(r.last);
      } else failures[r.failure] = (failures[r.failure] ?? 0) + 1;
    }
    await sleep(PAUSE_MS);
  }
  return { level, ok: first.length, failures, first: summarize(first), last: summarize(last), load: loadavg()[0]! };
}

/** Total failed streams. */
export const failedCount = (r: { failures: Record<string, number> }): number => Object.values(r.failures).reduce((a, b) => a + b, 0);
