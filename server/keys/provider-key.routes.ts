import type { Response } from 'express';
import { parseInput } from '../http/validate.js';
import { auditActor, currentWorkspace } from '../workspaces/workspace-context.js';
import type { AdminFeatureDeps, WorkspaceRoute } from '../workspaces/workspace-routes.js';
import { presentProviderKey } from './provider-key.presenter.js';
import { putProviderKeyBody } from './provider-key.schema.js';
import * as keys from './provider-key.service.js';

/** Aborted when the client goes away before the answer is sent, so the provider call stops too. */
function abortOnClose(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The workspace's own Mistral key (BYOK): viewers see its last four characters, admins set and remove it. */
export function providerKeyRoutes(deps: AdminFeatureDeps): WorkspaceRoute[] {
  return [
    {
      method: 'get', path: '/provider-key', role: 'viewer',
      handler: async (req, res) => {
        const workspace = currentWorkspace(req);
        const row = await keys.getProviderKey(deps.db, workspace);
        // Whether the chat still answers without a key of its own: the panel says so.
        res.json({ key: presentProviderKey(row), operatorKey: await keys.getOperatorKeyStatus(deps, workspace) });
      },
    },
    {
      method: 'put', path: '/provider-key', role: 'admin',
      handler: async (req, res) => {
        const body = parseInput(putProviderKeyBody, req.body ?? {}, 'invalid_body');
        const row = await keys.setProviderKey(deps, currentWorkspace(req), auditActor(req), body.apiKey, abortOnClose(res));
        res.json({ key: presentProviderKey(row) });
      },
    },
    {
      method: 'delete', path: '/provider-key', role: 'admin',
      handler: async (req, res) => {
        await keys.removeProviderKey(deps.db, currentWorkspace(req), auditActor(req));
        res.status(204).end();
      },
    },
  ];
}
