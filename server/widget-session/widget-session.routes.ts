import { Router } from 'express';
import { reflectOrigin } from '../http/cors.js';
import type { RateLimits } from '../http/rate-limit.js';
import { parseInput } from '../http/validate.js';
import { presentSession, presentWidgetConfig } from './widget-session.presenter.js';
import { configQuery, sessionBody } from './widget-session.schema.js';
import { getWidgetConfig, startSession, type WidgetSessionDeps } from './widget-session.service.js';
import { widgetSettingsCache } from './widget-settings-cache.js';

/** `GET /config` and `POST /sessions` under /api/widget (docs/widget-api.md). */
export function widgetSessionRoutes(deps: WidgetSessionDeps & { limits: RateLimits }): Router {
  const router = Router();
  // Made now, so it listens for changes before the first visitor comes.
  widgetSettingsCache(deps.db);

  router.get('/config', async (req, res) => {
    const query = parseInput(configQuery, req.query, 'invalid_query');
    const config = await getWidgetConfig({ ...deps, logger: req.log }, query.workspace, req.headers.origin);
    reflectOrigin(req, res);
    res.json(presentWidgetConfig(config));
  });

  router.post('/sessions', async (req, res) => {
    await deps.limits.session(res, req.ip ?? '');
    const body = parseInput(sessionBody, req.body ?? {}, 'invalid_body');
    const session = await startSession(deps, { publicId: body.workspace, origin: req.headers.origin, visitor: body.visitor });
    reflectOrigin(req, res);
    res.status(201).json(presentSession(session));
  });

  return router;
}
