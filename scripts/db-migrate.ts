// `npm run db:migrate`: applies pending migrations and exits. The server also does this
// at start-up; this is for deploy pipelines that migrate before rolling instances.
import { loadConfig } from '../server/config.js';
import { openPglite } from '../server/db/pglite.js';
import { openPostgres } from '../server/db/postgres.js';
import { migrate } from '../server/db/migrate.js';

try {
  const { database } = loadConfig();
  const db = database.kind === 'pglite' ? await openPglite(database.dir) : openPostgres(database.ownerUrl, { max: 1 });
  try {
    const { applied, version } = await migrate(db);
    console.log(applied.length ? `applied migrations ${applied.join(', ')}; schema is at version ${version}` : `schema is up to date at version ${version}`);
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(`db:migrate: ${(err as Error).message}`);
  process.exit(1);
}
