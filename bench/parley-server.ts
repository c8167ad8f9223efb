// The benchmarked server: `npm start` (compiled) as a process of its own, so its memory and
// file descriptors are its alone, with bench/server-probe.mjs preloaded. On PostgreSQL it
// gets a scratch database next to BENCH_DATABASE_URL's, dropped afterwards.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyringText } from '../server/keys/keyring.js';
import { spawnServer, type ChildServer } from '../test/support/child-server.js';
import type { Provider } from './provider.js';
import { withScratchPostgres } from './scratch-db.js';

export type DatabaseKind = 'pglite' | 'postgres';

/**
 * The widget API's per-minute limits, all at the highest value config.ts accepts: a bench sends
 * thousands of messages a minute into one demo workspace, which the defaults rightly refuse.
 * Every other limit (admission, pool size) stays as configured unless --server-env says otherwise.
 */
const RATE_LIMITS_OFF = Object.fromEntries(
  ['MESSAGES_PER_VISITOR', 'MESSAGES_PER_IP', 'MESSAGES_PER_WORKSPACE', 'CONVERSATIONS_PER_VISITOR', 'CONVERSATIONS_PER_IP', 'CONVERSATIONS_PER_WORKSPACE', 'SESSIONS_PER_IP']
    .map((name) => [`RATE_LIMIT_${name}`, '1000000']),
);

/** What the bench sets on every server it starts, besides the database, the provider and fresh keyrings. */
export const BENCH_SERVER_ENV: Record<string, string> = {
  NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', OPERATOR_KEY_WORKSPACES: 'all',
  DEMO: 'on', DEMO_PORT: '0', LOG_LEVEL: 'warn', MISTRAL_API_KEY: 'bench-key',
  // Visitors connect from their own loopback addresses: the socket's address is the client's.
  TRUST_PROXY: 'none',
  // Rounds of replies in one workspace must not run into its daily budget.
  DAILY_TOKEN_BUDGET: '0',
  // Measured, not refused: a burst waits for admission rather than being answered 503 busy (commit 9000cb8).
  ADMISSION_MAX_WAIT_MS: '60000',
  ...RATE_LIMITS_OFF,
};

export interface ProbeReport {
  loop: { p50: number; p99: number; max: number; count: number };
  memory: NodeJS.MemoryUsage;
  /** True when garbage was collected just before the reading. */
  collected: boolean;
  /** Active handles and requests (process.getActiveResourcesInfo). */
  resources: number;
}

export interface BenchServer {
  kind: DatabaseKind;
  url: string;
  /** The demo host page's origin, which the demo workspace allows. */
  origin: string;
  pid: number;
  /** Resident memory from /proc, bytes. */
  rss(): number;
  /** Open file descriptors from /proc. */
  fds(): number;
  /** The probe's reading; with gc, after collecting garbage. */
  probe(options?: { gc?: boolean }): Promise<ProbeReport>;
}

/** Runs fn against a fresh server on the given database, stopped (and its data removed) afterwards. */
export async function withParley<T>(kind: DatabaseKind, provider: Provider, serverEnv: Record<string, string>, fn: (server: BenchServer) => Promise<T>): Promise<T> {
  if (kind === 'pglite') return run({}, provider, serverEnv, kind, fn);
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) throw new Error('BENCH_DATABASE_URL is not set');
  return withScratchPostgres(adminUrl, (url) => run({ DATABASE_URL: url }, provider, serverEnv, kind, fn));
}

async function run<T>(dbEnv: Record<string, string>, provider: Provider, serverEnv: Record<string, string>, kind: DatabaseKind, fn: (server: BenchServer) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const probeFile = join(dataDir, 'bench-probe.json');
  const env = {
    ...BENCH_SERVER_ENV, DATA_DIR: dataDir, RELEASE_DIR: join(dataDir, 'release'), MASTER_KEYS: generateKeyringText('m1'), TOKEN_KEYS: generateKeyringText('t1'),
    ...dbEnv, MISTRAL_SERVER_URL: provider.url, BENCH_PROBE_FILE: probeFile, ...serverEnv,
  };
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  let child: ChildServer | undefined;
  try {
    child = await spawnServer([...nodeArgs, '--expose-gc', '--import', './bench/server-probe.mjs', 'scripts/start.mjs'], env, 180_000);
    const server = child;
    const origin = /Demo page:\s+(http:\/\/\S+?)\/?\s/.exec(server.output())?.[1];
    if (!origin) throw new Error(`the server printed no demo page:\n${server.output()}`);
    const pid = server.child.pid!;
    return await fn({
      kind, url: server.url, origin, pid,
      rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024,
      fds: () => readdirSync(`/proc/${pid}/fd`).length,
      probe: (options) => probe(server, probeFile, options?.gc ?? false),
    });
  } finally {
    if (child) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function probe(server: ChildServer, file: string, gc: boolean): Promise<ProbeReport> {
  rmSync(file, { force: true });
  if (gc) writeFileSync(`${file}.gc`, '');
  server.child.kill('SIGUSR2');
  for (let waited = 0; !existsSync(file); waited += 10) {
    if (waited > 10_000) throw new Error('the server probe did not answer');
    await sleep(10);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as ProbeReport;
}

/** SIGTERM, and SIGKILL if it has not exited 20 s later (a reply it waits for may never end). */
async function stop(server: ChildServer): Promise<void> {
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 20_000);
  try {
    await server.stop();
  } finally {
    clearTimeout(timer);
  }
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
