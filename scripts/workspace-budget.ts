// `npm run workspace-budget -- <workspace> [<tokens>|default]`: shows or sets one
// workspace's daily token budget, overriding DAILY_TOKEN_BUDGET for it (0: no limit;
// `default`: back to DAILY_TOKEN_BUDGET). <workspace> is its id or its public id. Only
// the operator can do this: no admin route writes the budget, so a workspace's admins
// see it in the panel but cannot raise it. Each change is written to the platform audit
// log and to the workspace's own. On the embedded database it cannot run beside the
// server (the data directory lock refuses); on PostgreSQL it applies at once.
import { ConfigError, loadConfig } from '../server/config.js';
import { DataDirLockedError } from '../server/db/data-dir-lock.js';
import { MigrationChangedError, SchemaTooNewError } from '../server/db/migrate.js';
import { DatabaseSetupError, openDatabase } from '../server/db/open.js';
import { resolvePublicWorkspace } from '../server/db/tenant.js';
import type { Db } from '../server/db/db.js';
import { findWorkspace, getUsage, setWorkspaceBudget } from '../server/usage/usage.service.js';

const SETUP_ERRORS = [ConfigError, DatabaseSetupError, DataDirLockedError, SchemaTooNewError, MigrationChangedError];
const MAX_BUDGET = 1e12;

class UsageError extends Error {}

function parseCommandLine(args: string[]): { workspace: string; tokens: number | null | undefined } {
  if (args.length < 1 || args.length > 2) throw new UsageError('usage: npm run workspace-budget -- <workspace id or public id> [<tokens per day>|default]');
  const [workspace, value] = args as [string, string | undefined];
  if (value === undefined) return { workspace, tokens: undefined };
  if (value === 'default') return { workspace, tokens: null };
  if (!/^\d+$/.test(value) || Number(value) > MAX_BUDGET) throw new UsageError(`"${value}" is not a number of tokens from 0 (no limit) to ${MAX_BUDGET}, nor "default"`);
  return { workspace, tokens: Number(value) };
}

async function workspaceId(db: Db, ref: string): Promise<string> {
  const id = (await findWorkspace(db, ref)) ?? (await resolvePublicWorkspace(db, ref))?.id;
  if (!id) throw new UsageError(`no workspace with the id or public id "${ref}"`);
  return id;
}

try {
  const args = parseCommandLine(process.argv.slice(2));
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    const id = await workspaceId(db, args.workspace);
    if (args.tokens !== undefined) {
      const change = await setWorkspaceBudget(db, id, args.tokens);
      if (!change) throw new UsageError(`no workspace with the id or public id "${args.workspace}"`);
    }
    const usage = await getUsage(db, config, id);
    const budget = usage.budget === undefined ? 'no limit' : `${usage.budget} tokens a day`;
    const source = usage.budgetSource === 'operator' ? 'set for this workspace' : `the default, DAILY_TOKEN_BUDGET=${config.usage.dailyTokenBudget}`;
    console.log(`workspace ${id}: ${budget} (${source}); ${usage.promptTokens + usage.completionTokens} used on ${usage.day} (UTC)${usage.exhausted ? ', spent' : ''}`);
  } finally {
    await db.close();
  }
} catch (err) {
  if (err instanceof UsageError || SETUP_ERRORS.some((type) => err instanceof type)) console.error(`workspace-budget: ${(err as Error).message}`);
  else console.error('workspace-budget: failed:', err);
  process.exit(1);
}
