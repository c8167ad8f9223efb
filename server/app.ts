import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import { adminRoutes } from './admin.js';
import { adminAssetRoutes } from './admin-assets/admin-assets.routes.js';
import { apiV1Routes } from './api-keys/api-v1.routes.js';
import type { AdminAuthOptions } from './auth/auth.routes.js';
import { chatRoutes } from './chat/chat.routes.js';
import type { Config } from './config.js';
import type { Db } from './db/db.js';
import { latestVersion, loadMigrations } from './db/migrate.js';
import { healthRoutes } from './health/health.routes.js';
import { widgetCors, widgetErrorCors } from './http/cors.js';
import { errorHandler, notFound } from './http/errors.js';
import { createInFlight, type InFlight } from './http/in-flight.js';
import { jsonBody } from './http/json-body.js';
import type { EnqueueSync } from './knowledge/ingest/enqueue-sync.js';
import { knowledgeDeps } from './knowledge/knowledge-deps.js';
import { isSourceUpload } from './knowledge/source-upload.js';
import { subprocessorRoutes } from './legal/legal.routes.js';
import { loadLegalDocuments } from './legal/legal.service.js';
import { createRateLimits } from './http/rate-limit.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';
import type { Logger } from './logging.js';
import { mistralProvider } from './providers/mistral.js';
import { widgetAssetRoutes } from './widget-assets/widget-assets.routes.js';
import { widgetSessionRoutes } from './widget-session/widget-session.routes.js';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** The origin browsers reach this server at; known only once the port is bound. */
  publicUrl: string;
  /** Shared rate-limit counters; without it they live in this process. */
  redis?: Redis;
  /** Key prefix of the rate-limit counters. */
  rateLimitPrefix?: string;
  /** Work the server waits for before closing the database. */
  inFlight?: InFlight;
  /** The built widget to serve; dist/widget/ of this checkout unless given (tests serve altered copies). */
  widgetDir?: string;
  /** Admin sign-in tuning and the mailer; production uses the defaults. */
  adminAuth?: AdminAuthOptions;
  /** Queues a knowledge source's sync on the job queue (server/knowledge/ingest/); the knowledge routes call it. */
  enqueueSync: EnqueueSync;
}

export const JSON_BODY_LIMIT = '64kb';

/** Composes the HTTP application. Every feature mounts its router here. */
export function createApp({ config, db, logger, publicUrl, redis, rateLimitPrefix, inFlight = createInFlight(), widgetDir, adminAuth, enqueueSync }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);
  app.use(requestContext(logger));
  app.use(securityHeaders(publicUrl));
  app.use(healthRoutes(db, latestVersion(loadMigrations())));
  app.use(widgetAssetRoutes({ widgetDir, releaseDir: config.releaseDir }));
  app.use(adminAssetRoutes());
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/api/widget', widgetCors);
  // A new knowledge source's body (a file, or text above 64 kB) is read by its route.
  app.use('/api', jsonBody(JSON_BODY_LIMIT, { skip: isSourceUpload }));
  // Read once: a bad LEGAL_DIR stops the start with the file named.
  const legal = loadLegalDocuments(config.legal);
  const provider = mistralProvider({ serverUrl: config.mistral.serverUrl });
  const widget = { config, db, logger, inFlight, provider, limits: createRateLimits({ redis, prefix: rateLimitPrefix, limits: config.rateLimits }) };
  app.use('/api/widget', widgetSessionRoutes(widget), chatRoutes(widget), widgetErrorCors);
  const knowledge = knowledgeDeps({ config, db, logger, enqueueSync, redis, rateLimitPrefix });
  app.use('/api/admin', adminRoutes({ config, db, logger, publicUrl, provider, inFlight, legal, redis, rateLimitPrefix, options: adminAuth, knowledge }));
  app.use('/api/v1', apiV1Routes({ db, redis, rateLimitPrefix, knowledge }));
  app.use(subprocessorRoutes(legal));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
