// /api/v1/sources: knowledge sources for a customer's own servers (docs/server-api.md,
// "Sources"), behind apiKeyAuth; changes need a write-scope key.
import { Router } from 'express';
import { apiKeyActor, currentApiKey, requireWriteScope } from '../api-keys/api-v1.auth.js';
import { parseInput } from '../http/validate.js';
import type { KnowledgeDeps } from './knowledge-deps.js';
import { presentDocument, presentSource } from './knowledge.presenter.js';
import { documentsQuery, sourceIdParam } from './knowledge.schema.js';
import * as knowledge from './knowledge.service.js';
import { newSourceFrom } from './source-input.js';
import { readSourceBody } from './source-upload.js';

/** Mounted by apiV1Routes after the key is verified and counted. */
export function knowledgeApiRoutes(deps: KnowledgeDeps): Router {
  const router = Router();
  router.get('/sources', async (req, res) => {
    res.json({ sources: (await knowledge.listSources(deps, currentApiKey(req).workspaceId)).map(presentSource) });
  });
  router.post('/sources', async (req, res) => {
    const { workspaceId } = requireWriteScope(req, res);
    await deps.limits.write(res, workspaceId);
    const input = newSourceFrom(await readSourceBody(req, res), 'api', deps.allow);
    const source = await knowledge.addSource(deps, workspaceId, apiKeyActor(req), input);
    res.status(202).location(`/api/v1/sources/${source.id}`).json({ source: presentSource(source) });
  });
  router.get('/sources/:sourceId', async (req, res) => {
    const id = parseInput(sourceIdParam, req.params.sourceId, 'invalid_id');
    const { status } = parseInput(documentsQuery, req.query, 'invalid_query');
    const { source, documents } = await knowledge.getSourceDetail(deps, currentApiKey(req).workspaceId, id, status);
    res.json({ source: presentSource(source), documents: documents.map(presentDocument) });
  });
  router.post('/sources/:sourceId/sync', async (req, res) => {
    const { workspaceId } = requireWriteScope(req, res);
    const id = parseInput(sourceIdParam, req.params.sourceId, 'invalid_id');
    await deps.limits.write(res, workspaceId);
    const source = await knowledge.syncSource(deps, workspaceId, apiKeyActor(req), id);
    res.status(202).json({ source: presentSource(source) });
  });
  router.delete('/sources/:sourceId', async (req, res) => {
    const { workspaceId } = requireWriteScope(req, res);
    const id = parseInput(sourceIdParam, req.params.sourceId, 'invalid_id');
    await deps.limits.write(res, workspaceId);
    await knowledge.deleteSource(deps, workspaceId, apiKeyActor(req), id);
    res.status(204).end();
  });
  return router;
}
