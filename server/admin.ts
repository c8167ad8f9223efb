import { Router } from 'express';
import { apiKeyRoutes } from './api-keys/api-keys.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import type { Redis } from 'ioredis';
import { adminGuards, authRoutes, type AdminAuthOptions } from './auth/auth.routes.js';
import type { Config } from './config.js';
import { conversationRoutes } from './conversations/conversations.routes.js';
import type { Db } from './db/db.js';
import type { InFlight } from './http/in-flight.js';
import type { KnowledgeDeps } from './knowledge/knowledge-deps.js';
import { knowledgeRoutes } from './knowledge/knowledge.routes.js';
import { providerKeyRoutes } from './keys/provider-key.routes.js';
import { legalRoutes } from './legal/legal.routes.js';
import { createMailer } from './mail/mailer.js';
import type { LegalDocuments } from './legal/legal.service.js';
import type { Logger } from './logging.js';
import type { ChatProvider } from './providers/provider.js';
import { settingsRoutes } from './workspaces/settings.routes.js';
import { accountWorkspaceRoutes, invitationRoutes, workspaceRoutes } from './workspaces/workspaces.routes.js';
import { workspaceRouter, type AdminFeatureDeps, type WorkspaceRoute } from './workspaces/workspace-routes.js';

export interface AdminDeps {
  config: Config;
  db: Db;
  logger: Logger;
  publicUrl: string;
  provider: ChatProvider;
  /** Work the server waits for before closing the database (mail sent after an answer). */
  inFlight: InFlight;
  /** The TOMs and DPA, read at start-up. */
  legal: LegalDocuments;
  redis?: Redis | undefined;
  rateLimitPrefix?: string | undefined;
  options?: AdminAuthOptions | undefined;
  /** The knowledge routes' shared pieces (server/knowledge/knowledge-deps.ts). */
  knowledge: KnowledgeDeps;
}

/** Every route under /api/admin/workspaces/:workspaceId, each with the least role it needs. */
export function adminWorkspaceRoutes(deps: AdminFeatureDeps): WorkspaceRoute[] {
  return [...workspaceRoutes(deps), ...providerKeyRoutes(deps), ...settingsRoutes(deps), ...apiKeyRoutes(deps), ...auditRoutes(deps), ...conversationRoutes(deps), ...knowledgeRoutes(deps)];
}

/** /api/admin: Origin, session and CSRF checks, then each admin feature. */
export function adminRoutes(deps: AdminDeps): Router {
  const { config, db, logger, publicUrl, provider } = deps;
  const mailer = deps.options?.mailer ?? createMailer(config, logger);
  const features: AdminFeatureDeps = { config, db, logger, publicUrl, mailer, provider, knowledge: deps.knowledge };
  const router = Router();
  router.use(...adminGuards(config, db, publicUrl));
  router.use('/auth', authRoutes({ ...deps, mailer }));
  router.use('/workspaces', accountWorkspaceRoutes(features), workspaceRouter(db, adminWorkspaceRoutes(features)));
  router.use('/invitations', invitationRoutes(features));
  router.use('/legal', legalRoutes(deps.legal));
  return router;
}
