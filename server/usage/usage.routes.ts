import { currentWorkspace } from '../workspaces/workspace-context.js';
import type { AdminFeatureDeps, WorkspaceRoute } from '../workspaces/workspace-routes.js';
import { presentUsage } from './usage.presenter.js';
import { getUsage } from './usage.service.js';

/** Today's token usage against the workspace's budget (docs/admin-api.md, "Usage"). */
export function usageRoutes(deps: AdminFeatureDeps): WorkspaceRoute[] {
  return [
    {
      method: 'get', path: '/usage', role: 'viewer',
      handler: async (req, res) => {
        res.json({ usage: presentUsage(await getUsage(deps.db, deps.config, currentWorkspace(req).id)) });
      },
    },
  ];
}
