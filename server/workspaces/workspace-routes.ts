import { Router, type Request, type Response } from 'express';
import type { Mailer } from '../mail/mailer.js';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import type { KnowledgeDeps } from '../knowledge/knowledge-deps.js';
import type { Logger } from '../logging.js';
import type { ChatProvider } from '../providers/provider.js';
import type { Role } from './roles.js';
import { loadWorkspace, requireRole } from './workspace-context.js';

/**
 * One admin route about a workspace, declared with the least role it needs. Every
 * feature under /api/admin/workspaces/:workspaceId is a list of these, so the role
 * check cannot be forgotten and the tests can walk every route (test/integration/
 * admin-access.test.ts).
 */
export interface WorkspaceRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Below /workspaces/:workspaceId; '' is the workspace itself. */
  path: string;
  role: Role;
  /** Still reachable when the workspace requires MFA and the account has none. */
  allowWithoutMfa?: boolean;
  handler: (req: Request, res: Response) => unknown;
}

/** Mounts routes under /:workspaceId, each behind the membership and role checks. */
export function workspaceRouter(db: Db, routes: readonly WorkspaceRoute[]): Router {
  const router = Router();
  const load = loadWorkspace(db);
  const loadWithoutMfa = loadWorkspace(db, { allowWithoutMfa: true });
  for (const route of routes) {
    router[route.method](`/:workspaceId${route.path}`, route.allowWithoutMfa ? loadWithoutMfa : load, requireRole(route.role), async (req, res) => {
      await route.handler(req, res);
    });
  }
  return router;
}

/** What an admin feature's routes are built from. */
export interface AdminFeatureDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** The origin the panel and the widget are served from. */
  publicUrl: string;
  mailer: Mailer;
  provider: ChatProvider;
  /** The knowledge routes' shared pieces; optional so the route table can be listed without them. */
  knowledge?: KnowledgeDeps;
}
