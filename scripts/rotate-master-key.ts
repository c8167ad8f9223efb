// `npm run rotate-master-key`: re-seals every sealed secret (BYOK provider keys, MFA
// secrets: server/keys/sealed-columns.ts) under the active MASTER_KEYS key, the first
// listed. Steps for operators: docs/key-rotation.md.
//
// Which connection: the owner (DATABASE_URL) is used only to check migrations, as the
// server does. The owner cannot read the rows themselves: row-level security is FORCEd,
// so a table owner that is not a superuser sees no tenant rows, and reading them with
// a BYPASSRLS role would skip the isolation every other query keeps. So the re-sealing
// runs as the runtime role: the workspace list comes from rotation's own read-only view
// of the workspaces table (migration 0010), then each workspace's rows are read and swapped inside
// withTenant, and platform tables (accounts) inside withoutTenant.
//
// On PostgreSQL it runs beside the serving instances. On the embedded database the data
// directory lock refuses while the server runs: stop it, run this, start it.
import { ConfigError, loadConfig } from '../server/config.js';
import { DataDirLockedError } from '../server/db/data-dir-lock.js';
import { MigrationChangedError, SchemaTooNewError } from '../server/db/migrate.js';
import { DatabaseSetupError, openDatabase } from '../server/db/open.js';
import { rotateMasterKey } from '../server/keys/rotation.service.js';

const SETUP_ERRORS = [ConfigError, DatabaseSetupError, DataDirLockedError, SchemaTooNewError, MigrationChangedError];

try {
  const config = loadConfig();
  const batchSize = Number(process.env.ROTATE_BATCH_SIZE ?? 100);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError('ROTATE_BATCH_SIZE: must be a positive integer');
  const db = await openDatabase(config.database);
  try {
    const { active, keys } = config.masterKeys;
    console.log(`rotate-master-key: re-sealing under "${active.id}" (MASTER_KEYS holds ${[...keys.keys()].map((id) => `"${id}"`).join(', ')})`);
    const started = performance.now();
    const result = await rotateMasterKey(db, config.masterKeys, { batchSize, onProgress: (line) => console.log(line) });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`total: ${result.resealed} re-sealed under "${result.keyId}", ${result.skipped} changed meanwhile, ${result.failed} failed (${seconds} s)`);
    if (result.skipped > 0) console.log('rotate-master-key: some rows changed while running; run it again to re-seal any written under an old key');
    if (result.failed > 0) {
      console.error(`rotate-master-key: ${result.failed} secrets do not open under MASTER_KEYS and keep their old seal; do not drop an old key until this is fixed`);
      process.exitCode = 1;
    }
  } finally {
    await db.close();
  }
} catch (err) {
  if (SETUP_ERRORS.some((type) => err instanceof type)) console.error(`rotate-master-key: ${(err as Error).message}`);
  else console.error('rotate-master-key: failed:', err);
  process.exit(1);
}
