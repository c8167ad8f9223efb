import type { RequestHandler, Response } from 'express';
import { reflectOrigin } from '../http/cors.js';
import { authenticateVisitor, type WidgetSessionDeps } from './widget-session.service.js';
import type { WidgetTokenClaims } from './widget-token.js';

/** Bearer token auth for the widget's conversation routes: 401 invalid_token, 403 origin_not_allowed. */
export function requireVisitor(deps: WidgetSessionDeps): RequestHandler {
  return async (req, res, next) => {
    res.locals.visitor = await authenticateVisitor(deps, req.headers.authorization, req.headers.origin);
    reflectOrigin(req, res);
    next();
  };
}

/** The visitor requireVisitor authenticated. */
export function visitorOf(res: Response): WidgetTokenClaims {
  return res.locals.visitor as WidgetTokenClaims;
}
