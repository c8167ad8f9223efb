// Command-line options of `npm run bench -- [section…] [--flag value…]`, shared by the sections.
// --quick is for development on a busy machine: small levels, one run; figures from it mean little.

export interface BenchOptions {
  /** Section names given on the command line; none means every section. */
  sections: string[];
  quick: boolean;
  /** Simultaneous streams per level of the chat bench. */
  levels: number[];
  /** Runs of the chat bench; each figure is the median across them. */
  runs: number;
  /** Streams measured per level and run, at least: sent in bursts of `level`, at least two bursts. */
  samples: number;
  /** Reply streams held open at once by the open-streams section. */
  openStreams: number;
  /** Repeats of the chat load against one server in the soak section. */
  soakRuns: number;
  /** Seconds the soak leaves the server idle after its last run before the final reading. */
  idleSeconds: number;
  /** Databases to run the chat, open-streams and soak sections on (postgres needs BENCH_DATABASE_URL). */
  databases: ('pglite' | 'postgres')[];
  /** Extra environment for the benchmarked server, KEY=VALUE each (e.g. ADMISSION_MAX_WAIT_MS=60000). */
  serverEnv: Record<string, string>;
  /** Where the JSON figures go; default bench/results/bench-<time>.json. */
  json: string | undefined;
}

const USAGE = `usage: npm run bench -- [section…] [--quick] [--levels 1,10,50,200] [--runs 3] [--samples 60]
  [--open-streams 2000] [--soak-runs 6] [--idle-seconds 30] [--databases pglite,postgres]
  [--server-env KEY=VALUE]… [--json FILE]`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const sections: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      sections.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === 'quick') {
      flags.set('quick', ['']);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value\n${USAGE}`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  const known = new Set(['quick', 'levels', 'runs', 'samples', 'open-streams', 'soak-runs', 'idle-seconds', 'databases', 'server-env', 'json']);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}\n${USAGE}`);

  const quick = flags.has('quick');
  const last = (name: string) => flags.get(name)?.at(-1);
  const count = (name: string, fallback: number, min = 1) => {
    const text = last(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}\n${USAGE}`);
    return n;
  };
  const levels = (last('levels') ?? (quick ? '1,10' : '1,10,50,200')).split(',').map((s) => Number(s.trim()));
  if (levels.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--levels takes whole numbers, e.g. 1,10,50,200\n${USAGE}`);
  const databases = (last('databases') ?? 'pglite,postgres').split(',').map((s) => s.trim());
  for (const d of databases) if (d !== 'pglite' && d !== 'postgres') throw new Error(`--databases takes pglite and/or postgres\n${USAGE}`);
  const serverEnv: Record<string, string> = {};
  for (const pair of flags.get('server-env') ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--server-env takes KEY=VALUE, got "${pair}"`);
    serverEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return {
    sections,
    quick,
    levels,
    runs: count('runs', quick ? 1 : 3),
    samples: count('samples', quick ? 10 : 60),
    openStreams: count('open-streams', quick ? 100 : 2000),
    soakRuns: count('soak-runs', quick ? 2 : 6),
    idleSeconds: count('idle-seconds', quick ? 3 : 30, 0),
    databases: databases as BenchOptions['databases'],
    serverEnv,
    json: last('json'),
  };
}
