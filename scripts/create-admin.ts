// `npm run create-admin -- --email EMAIL [--name NAME] [--workspace NAME] [--password-stdin]`:
// creates an admin account from the shell (the first one on a new install, or for a
// customer who cannot sign up), optionally with a new workspace it owns. The password
// is read from standard input with --password-stdin, or generated and printed once.
// Written to the platform audit log as an operator action. On the embedded database it
// cannot run beside the server: the data directory lock refuses.
import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { email as emailSchema } from '../server/auth/auth.schema.js';
import * as accounts from '../server/auth/auth.repo.js';
import { hashPassword, passwordProblem } from '../server/auth/password.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { DataDirLockedError } from '../server/db/data-dir-lock.js';
import { MigrationChangedError, SchemaTooNewError } from '../server/db/migrate.js';
import { DatabaseSetupError, openDatabase } from '../server/db/open.js';
import { createWorkspace } from '../server/workspaces/workspaces.service.js';

const SETUP_ERRORS = [ConfigError, DatabaseSetupError, DataDirLockedError, SchemaTooNewError, MigrationChangedError];

class UsageError extends Error {}

function parseCommandLine() {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      workspace: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const email = emailSchema.safeParse(values.email ?? '');
  if (!email.success) throw new UsageError('--email: give the new admin\'s email address');
  const name = z.string().trim().min(1).max(200).optional().safeParse(values.name);
  if (!name.success) throw new UsageError('--name: 1 to 200 characters');
  const workspace = z.string().trim().min(1).max(200).optional().safeParse(values.workspace);
  if (!workspace.success) throw new UsageError('--workspace: 1 to 200 characters');
  return { email: email.data, name: name.data, workspace: workspace.data, passwordStdin: values['password-stdin'] };
}

try {
  const args = parseCommandLine();
  const password = args.passwordStdin ? (await text(process.stdin)).replace(/\r?\n$/, '') : randomBytes(18).toString('base64url');
  const problem = passwordProblem(password, args.email);
  if (problem) throw new UsageError(`password: ${problem}`);
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    const account = await accounts.insertAccount(db, args.email, args.name ?? null, await hashPassword(password));
    if (!account) throw new UsageError(`an account with the email ${args.email} already exists; its owner can reset the password from the sign-in page`);
    await accounts.insertPlatformEvent(db, { actor: 'operator', action: 'account.created', target: `account:${account.id}` });
    console.log(`created admin ${account.email} (${account.id})`);
    if (args.workspace) {
      const workspace = await createWorkspace(db, { accountId: account.id, label: 'operator', ip: null }, args.workspace);
      console.log(`created workspace "${workspace.name}" (${workspace.id}), public id ${workspace.publicId}, owned by ${account.email}`);
    }
    if (!args.passwordStdin) console.log(`password: ${password}\n(shown once; sign in and change it under Account)`);
  } finally {
    await db.close();
  }
} catch (err) {
  if (err instanceof UsageError || SETUP_ERRORS.some((type) => err instanceof type)) console.error(`create-admin: ${(err as Error).message}`);
  else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`create-admin: ${(err as Error).message}`);
  else console.error('create-admin: failed:', err);
  process.exit(1);
}
