import { ConfigError } from '../../server/config.js';
import { DataDirLockedError } from '../../server/db/data-dir-lock.js';
import { MigrationChangedError, SchemaTooNewError } from '../../server/db/migrate.js';
import { DatabaseSetupError } from '../../server/db/open.js';
import { BackupError } from './config.js';

const EXPECTED = [BackupError, ConfigError, DatabaseSetupError, DataDirLockedError, SchemaTooNewError, MigrationChangedError];

/** Runs a command's main: expected failures print one line and exit 1; anything else prints its stack. */
export async function runCli(label: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (EXPECTED.some((type) => err instanceof type)) console.error(`${label}: ${(err as Error).message}`);
    else console.error(`${label}: failed:`, err);
    process.exit(1);
  }
}

/** `--name value` options and positional arguments; unknown options are refused. */
export function parseArgs(argv: string[], known: { values: string[]; flags: string[] }): { positional: string[]; values: Map<string, string>; flags: Set<string> } {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [key, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (known.flags.includes(key)) flags.add(key);
    else if (known.values.includes(key)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new BackupError(`--${key} needs a value`);
      values.set(key, value);
    } else throw new BackupError(`unknown option ${arg}`);
  }
  return { positional, values, flags };
}
