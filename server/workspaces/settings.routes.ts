import { parseInput } from '../http/validate.js';
import { usageRoutes } from '../usage/usage.routes.js';
import { presentSettings } from './settings.presenter.js';
import { settingsPatchBody } from './settings.schema.js';
import { allowedModels, getSettings, updateSettings } from './settings.service.js';
import { embedSnippets } from './snippets.service.js';
import { auditActor, currentWorkspace } from './workspace-context.js';
import type { AdminFeatureDeps, WorkspaceRoute } from './workspace-routes.js';

/** Widget settings, today's token usage and embed snippets (docs/admin-api.md, "Widget settings", "Usage"). */
export function settingsRoutes(deps: AdminFeatureDeps): WorkspaceRoute[] {
  const { db, config } = deps;
  // Built on first use: the access test lists these routes with no config.
  let patchBody: ReturnType<typeof settingsPatchBody> | undefined;
  return [
    {
      method: 'get', path: '/settings', role: 'viewer',
      handler: async (req, res) => {
        // The models and reply length the PATCH accepts, so the panel offers exactly those; the first model is the operator's default.
        res.json({
          settings: presentSettings(await getSettings(db, currentWorkspace(req))),
          models: { default: config.mistral.model, allowed: allowedModels(config) },
          limits: { maxReplyTokens: config.usage.maxReplyTokens },
        });
      },
    },
    {
      // Member for the reply settings; origins and retention need admin (checked in the service).
      method: 'patch', path: '/settings', role: 'member',
      handler: async (req, res) => {
        patchBody ??= settingsPatchBody(allowedModels(config), config.usage.maxReplyTokens);
        const patch = parseInput(patchBody, req.body ?? {}, 'invalid_body');
        const settings = await updateSettings(db, currentWorkspace(req), auditActor(req), patch);
        res.json({ settings: presentSettings(settings) });
      },
    },
    {
      method: 'get', path: '/snippets', role: 'viewer',
      handler: (req, res) => {
        const { publicId } = currentWorkspace(req);
        res.json(embedSnippets({ publicUrl: deps.publicUrl, releaseDir: config.releaseDir, publicId, logger: req.log }));
      },
    },
    ...usageRoutes(deps),
  ];
}
