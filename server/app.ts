import express, { type Express } from 'express';
import type { Config } from './config.js';
import type { Db } from './db/db.js';
import { latestVersion, loadMigrations } from './db/migrate.js';
import { healthRoutes } from './health/health.routes.js';
import { errorHandler, notFound } from './http/errors.js';
import { jsonBody } from './http/json-body.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';
import type { Logger } from './logging.js';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** The origin browsers reach this server at; known only once the port is bound. */
  publicUrl: string;
}

export const JSON_BODY_LIMIT = '64kb';

/** Composes the HTTP application. Every feature mounts its router here. */
export function createApp({ db, logger, publicUrl }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestContext(logger));
  app.use(securityHeaders(publicUrl));
  app.use(healthRoutes(db, latestVersion(loadMigrations())));
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/api', jsonBody(JSON_BODY_LIMIT));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
