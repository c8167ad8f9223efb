// The chat bench's table and issue 12's goals, computed from the medians of one run.
import { failedCount, type LevelResult } from './load.js';
import type { DatabaseKind } from './parley-server.js';
import { median, medianSummary } from './stats.js';

export interface DatabaseFigures {
  database: DatabaseKind;
  /** Per level, each run's result from the provider and through Parley. */
  rows: { level: number; provider: LevelResult[]; parley: LevelResult[] }[];
  /** The server's resident memory after each run, bytes. */
  rssAfterRuns: number[];
}

export interface Goal {
  goal: string;
  value: number | undefined;
  limit: number;
  unit: 'ms' | 'x' | 'failed';
  /** undefined: a level it needs was not measured. */
  met: boolean | undefined;
}

const NAMES: Record<DatabaseKind, string> = { pglite: 'PGlite', postgres: 'PostgreSQL' };
const ms = (v: number) => (Number.isNaN(v) ? '-' : v < 100 ? v.toFixed(1) : v.toFixed(0)).padStart(6);

function line(level: number, from: string, results: LevelResult[]): string {
  const first = medianSummary(results.map((r) => r.first));
  const last = medianSummary(results.map((r) => r.last));
  const ok = results.reduce((a, r) => a + r.ok, 0);
  const failed = results.reduce((a, r) => a + failedCount(r), 0);
  return `${String(level).padStart(7)}  ${from.padEnd(8)} ${ms(first.p50)} ${ms(first.p95)} ${ms(first.p99)}  | ${ms(last.p50)} ${ms(last.p95)} ${ms(last.p99)}  | ${String(ok).padStart(6)} ${String(failed).padStart(6)}  ${median(results.map((r) => r.load)).toFixed(2).padStart(5)}`;
}

export function printChatTable(f: DatabaseFigures): void {
  const runs = f.rows[0]?.parley.length ?? 0;
  console.log(`\n### ${NAMES[f.database]}: ms, each percentile the median of ${runs} run(s); load = 1-min load average at the level's end (median)\n`);
  console.log(`streams  from      first token p50/p95/p99 | last token p50/p95/p99 |     ok failed   load`);
  for (const row of f.rows) {
    console.log(line(row.level, 'provider', row.provider));
    console.log(line(row.level, 'Parley', row.parley));
  }
  const causes: Record<string, number> = {};
  for (const r of f.rows.flatMap((row) => [...row.provider, ...row.parley])) {
    for (const [cause, n] of Object.entries(r.failures)) causes[cause] = (causes[cause] ?? 0) + n;
  }
  if (Object.keys(causes).length) console.log(`failed: ${Object.entries(causes).map(([c, n]) => `${n}× ${c}`).join(', ')}`);
  console.log(`server RSS after each run: ${f.rssAfterRuns.map((b) => `${(b / 1048576).toFixed(1)}`).join(', ')} MiB`);
}

/** The median first-token p50 at a level, from the provider or through Parley. */
function firstP50(figures: DatabaseFigures[], database: DatabaseKind, level: number, from: 'provider' | 'parley'): number | undefined {
  const row = figures.find((f) => f.database === database)?.rows.find((r) => r.level === level);
  if (!row) return undefined;
  const v = medianSummary(row[from].map((r) => r.first)).p50;
  return Number.isNaN(v) ? undefined : v;
}

function goal(text: string, value: number | undefined, limit: number, unit: Goal['unit']): Goal {
  return { goal: text, value, limit, unit, met: value === undefined ? undefined : value <= limit };
}

/** Issue 12's goals, as ratios and differences between figures of this run. */
export function computeGoals(figures: DatabaseFigures[]): Goal[] {
  const goals: Goal[] = [];
  for (const f of figures) {
    const parley = firstP50(figures, f.database, 1, 'parley');
    const provider = firstP50(figures, f.database, 1, 'provider');
    goals.push(goal(`1 stream on ${NAMES[f.database]}: first token p50, Parley minus provider`, parley !== undefined && provider !== undefined ? parley - provider : undefined, 5, 'ms'));
  }
  const pg50 = firstP50(figures, 'postgres', 50, 'parley');
  const direct50 = firstP50(figures, 'postgres', 50, 'provider');
  goals.push(goal('50 streams on PostgreSQL: first token p50, Parley / provider', pg50 !== undefined && direct50 ? pg50 / direct50 : undefined, 3, 'x'));
  const lite50 = firstP50(figures, 'pglite', 50, 'parley');
  goals.push(goal('50 streams: first token p50, PGlite / PostgreSQL', lite50 !== undefined && pg50 ? lite50 / pg50 : undefined, 2, 'x'));
  const failed = figures.flatMap((f) => f.rows.flatMap((r) => r.parley)).reduce((a, r) => a + failedCount(r), 0);
  goals.push(goal('streams through Parley that failed, all levels', figures.length ? failed : undefined, 0, 'failed'));
  return goals;
}

export function printGoals(figures: DatabaseFigures[]): Goal[] {
  const goals = computeGoals(figures);
  console.log('\n### Goals of issue 12 (a report, not a test)\n');
  for (const g of goals) {
    const value = g.value === undefined ? 'not measured' : g.unit === 'x' ? `${g.value.toFixed(2)}x` : g.unit === 'ms' ? `${g.value >= 0 ? '+' : ''}${g.value.toFixed(1)} ms` : String(g.value);
    const limit = g.unit === 'x' ? `≤ ${g.limit}x` : g.unit === 'ms' ? `≤ ${g.limit} ms` : `${g.limit}`;
    const verdict = g.met === undefined ? '' : g.met ? 'met' : 'MISSED';
    console.log(`${g.goal.padEnd(82)} ${value.padStart(12)}  (goal ${limit})  ${verdict}`);
  }
  return goals;
}
