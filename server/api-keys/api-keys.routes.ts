import { parseInput } from '../http/validate.js';
import { auditActor, currentWorkspace } from '../workspaces/workspace-context.js';
import type { AdminFeatureDeps, WorkspaceRoute } from '../workspaces/workspace-routes.js';
import { presentApiKey } from './api-keys.presenter.js';
import { createApiKeyBody, keyIdParam } from './api-keys.schema.js';
import * as apiKeys from './api-keys.service.js';

/** /api/admin/workspaces/:workspaceId/api-keys: admins list, create and revoke server-to-server keys. */
export function apiKeyRoutes({ db }: AdminFeatureDeps): WorkspaceRoute[] {
  return [
    {
      method: 'get', path: '/api-keys', role: 'admin',
      handler: async (req, res) => {
        const rows = await apiKeys.listApiKeys(db, currentWorkspace(req));
        res.json({ apiKeys: rows.map(presentApiKey) });
      },
    },
    {
      method: 'post', path: '/api-keys', role: 'admin',
      handler: async (req, res) => {
        const body = parseInput(createApiKeyBody, req.body ?? {}, 'invalid_body');
        const { apiKey, secret } = await apiKeys.createApiKey(db, currentWorkspace(req), auditActor(req), body);
        res.status(201).json({ apiKey: presentApiKey(apiKey), secret });
      },
    },
    {
      method: 'delete', path: '/api-keys/:keyId', role: 'admin',
      handler: async (req, res) => {
        const keyId = parseInput(keyIdParam, req.params.keyId, 'invalid_id');
        await apiKeys.revokeApiKey(db, currentWorkspace(req), auditActor(req), keyId);
        res.status(204).end();
      },
    },
  ];
}
