import { Router } from 'express';
import type { Db } from '../db/db.js';
import { schemaVersion } from '../db/migrate.js';
import { withoutTenant } from '../db/tenant.js';
import { errorBody } from '../http/errors.js';

const READY_TIMEOUT_MS = 2_000;

/** `/healthz`: the process answers. `/readyz`: the database answers, at the schema this build expects. */
export function healthRoutes(db: Db, expectedVersion: number): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (req, res) => {
    const started = performance.now();
    try {
      const version = await withTimeout(withoutTenant(db, schemaVersion), READY_TIMEOUT_MS);
      const database = { driver: db.driver, latencyMs: round(performance.now() - started), schemaVersion: version };
      if (version !== expectedVersion) {
        res.status(503).json(errorBody('schema_mismatch', `Database schema is at version ${version}, expected ${expectedVersion}.`, { database }));
        return;
      }
      res.json({ status: 'ready', database });
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed');
      const database = { driver: db.driver, latencyMs: round(performance.now() - started) };
      res.status(503).json(errorBody('database_unavailable', 'The database is not reachable.', { database }));
    }
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const round = (ms: number) => Math.round(ms * 100) / 100;
