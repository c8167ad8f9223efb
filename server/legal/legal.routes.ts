import { Router } from 'express';
import { requireAdmin } from '../auth/admin-session.js';
import type { LegalDocuments } from './legal.service.js';
import { subprocessorsPage } from './subprocessors-page.js';

/** `GET /api/admin/legal/toms` and `/legal/dpa`: `{title, markdown}`, for signed-in accounts. */
export function legalRoutes(docs: LegalDocuments): Router {
  const router = Router();
  router.get('/toms', (req, res) => {
    requireAdmin(req.admin);
    res.json(docs.toms);
  });
  router.get('/dpa', (req, res) => {
    requireAdmin(req.admin);
    res.json(docs.dpa);
  });
  return router;
}

/**
 * The public `GET /subprocessors` page and `GET /api/subprocessors`, its JSON; and
 * `/settings/legal/toms` and `/settings/legal/dpa`, the addresses customers know from
 * security pages, redirected to the panel's legal pages (which ask them to sign in).
 */
export function subprocessorRoutes(docs: LegalDocuments): Router {
  const router = Router();
  for (const doc of ['toms', 'dpa']) {
    router.get(`/settings/legal/${doc}`, (_req, res) => res.redirect(302, `/admin/legal/${doc}`));
  }
  const html = subprocessorsPage(docs);
  router.get('/subprocessors', (_req, res) => {
    res.type('html').setHeader('Cache-Control', 'public, max-age=300');
    res.send(html);
  });
  router.get('/api/subprocessors', (_req, res) => {
    res.json({ operator: docs.operator, subprocessors: docs.subprocessors });
  });
  return router;
}
