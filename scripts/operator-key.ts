// `npm run operator-key -- grant|revoke|status <workspace public id>`: lets a workspace
// without its own Mistral key chat on the operator's MISTRAL_API_KEY, or stops it. Read
// when OPERATOR_KEY_WORKSPACES=granted (the default when SIGNUP=open); with `all` every
// workspace may, with `none` none may, whatever is granted. Each change is written to the
// platform audit log and to the workspace's audit log. On the embedded database it cannot
// run beside the server: the data directory lock refuses.
import { ConfigError, loadConfig } from '../server/config.js';
import { DataDirLockedError } from '../server/db/data-dir-lock.js';
import { MigrationChangedError, SchemaTooNewError } from '../server/db/migrate.js';
import { DatabaseSetupError, openDatabase } from '../server/db/open.js';
import { resolvePublicWorkspace } from '../server/db/tenant.js';
import { setOperatorKeyGrant } from '../server/keys/operator-key.service.js';
import { findOperatorKeyGrant } from '../server/providers/provider-key.repo.js';

const SETUP_ERRORS = [ConfigError, DatabaseSetupError, DataDirLockedError, SchemaTooNewError, MigrationChangedError];
const USAGE = 'usage: npm run operator-key -- grant|revoke|status <workspace public id>';

class UsageError extends Error {}

try {
  const [command, publicId, ...extra] = process.argv.slice(2);
  if (!['grant', 'revoke', 'status'].includes(command ?? '') || !publicId || extra.length > 0) throw new UsageError(USAGE);
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    const policy = `OPERATOR_KEY_WORKSPACES=${config.operatorKeyWorkspaces}`;
    if (command === 'status') {
      const workspace = await resolvePublicWorkspace(db, publicId);
      if (!workspace) throw new UsageError(`no workspace has the public id ${publicId}`);
      const grant = await findOperatorKeyGrant(db, workspace.id);
      console.log(`workspace "${workspace.name}" (${publicId}): ${grant ? `granted since ${grant.toISOString()}` : 'not granted'} (${policy})`);
    } else {
      const result = await setOperatorKeyGrant(db, publicId, command === 'grant');
      if (!result) throw new UsageError(`no workspace has the public id ${publicId}`);
      const state = command === 'grant' ? 'may use' : 'may no longer use';
      console.log(`workspace "${result.name}" (${publicId}) ${state} the operator's key${result.changed ? '' : ' (unchanged)'}`);
      if (config.operatorKeyWorkspaces !== 'granted') console.log(`note: ${policy}, so grants are not read until it is "granted"`);
    }
  } finally {
    await db.close();
  }
} catch (err) {
  if (err instanceof UsageError || SETUP_ERRORS.some((type) => err instanceof type)) console.error(`operator-key: ${(err as Error).message}`);
  else console.error('operator-key: failed:', err);
  process.exit(1);
}
