// The admin panel's Knowledge page (docs/admin-api.md, "Knowledge"): admins manage sources
// and settings; members and viewers read them and ask the test console.
import type { Request } from 'express';
import { parseInput } from '../http/validate.js';
import { auditActor, currentWorkspace } from '../workspaces/workspace-context.js';
import type { AdminFeatureDeps, WorkspaceRoute } from '../workspaces/workspace-routes.js';
import type { KnowledgeDeps } from './knowledge-deps.js';
import { presentDocument, presentKnowledgeSettings, presentPassage, presentSource } from './knowledge.presenter.js';
import { documentsQuery, searchBody, settingsPatchBody, sourceIdParam, sourcePatchBody } from './knowledge.schema.js';
import * as knowledge from './knowledge.service.js';
import { newSourceFrom } from './source-input.js';
import { readSourceBody } from './source-upload.js';

const BASE = '/knowledge';

export function knowledgeRoutes(deps: AdminFeatureDeps): WorkspaceRoute[] {
  // Read when a request arrives: the route table is also listed without deps (admin-access test).
  const k = (): KnowledgeDeps => {
    if (!deps.knowledge) throw new Error('knowledgeRoutes: AdminFeatureDeps.knowledge is not set');
    return deps.knowledge;
  };
  const ws = (req: Request) => currentWorkspace(req).id;
  const sourceId = (req: Request) => parseInput(sourceIdParam, req.params.sourceId, 'invalid_id');
  return [
    {
      method: 'get', path: `${BASE}/sources`, role: 'viewer',
      handler: async (req, res) => {
        res.json({ sources: (await knowledge.listSources(k(), ws(req))).map(presentSource) });
      },
    },
    {
      method: 'post', path: `${BASE}/sources`, role: 'admin',
      handler: async (req, res) => {
        await k().limits.write(res, ws(req));
        const input = newSourceFrom(await readSourceBody(req, res), 'admin', k().allow);
        const source = await knowledge.addSource(k(), ws(req), auditActor(req), input);
        res.status(202).json({ source: presentSource(source) });
      },
    },
    {
      method: 'get', path: `${BASE}/sources/:sourceId`, role: 'viewer',
      handler: async (req, res) => {
        const { status } = parseInput(documentsQuery, req.query, 'invalid_query');
        const { source, documents } = await knowledge.getSourceDetail(k(), ws(req), sourceId(req), status);
        res.json({ source: presentSource(source), documents: documents.map(presentDocument) });
      },
    },
    {
      method: 'patch', path: `${BASE}/sources/:sourceId`, role: 'admin',
      handler: async (req, res) => {
        await k().limits.write(res, ws(req));
        const id = sourceId(req);
        const patch = parseInput(sourcePatchBody, req.body ?? {}, 'invalid_body');
        res.json({ source: presentSource(await knowledge.updateSource(k(), ws(req), auditActor(req), id, patch)) });
      },
    },
    {
      method: 'post', path: `${BASE}/sources/:sourceId/sync`, role: 'admin',
      handler: async (req, res) => {
        await k().limits.write(res, ws(req));
        const source = await knowledge.syncSource(k(), ws(req), auditActor(req), sourceId(req));
        res.status(202).json({ source: presentSource(source) });
      },
    },
    {
      method: 'delete', path: `${BASE}/sources/:sourceId`, role: 'admin',
      handler: async (req, res) => {
        await k().limits.write(res, ws(req));
        await knowledge.deleteSource(k(), ws(req), auditActor(req), sourceId(req));
        res.status(204).end();
      },
    },
    {
      method: 'get', path: `${BASE}/settings`, role: 'viewer',
      handler: async (req, res) => {
        const { settings, vector } = await knowledge.getSettings(k(), ws(req));
        res.json(presentKnowledgeSettings(settings, vector));
      },
    },
    {
      method: 'patch', path: `${BASE}/settings`, role: 'admin',
      handler: async (req, res) => {
        const patch = parseInput(settingsPatchBody, req.body ?? {}, 'invalid_body');
        const { settings, vector } = await knowledge.updateSettings(k(), ws(req), auditActor(req), patch);
        res.json(presentKnowledgeSettings(settings, vector));
      },
    },
    {
      // A question costs an embeddings request on the workspace's key: rate limited.
      method: 'post', path: `${BASE}/search`, role: 'viewer',
      handler: async (req, res) => {
        const { question } = parseInput(searchBody, req.body ?? {}, 'invalid_body');
        await k().limits.search(res, ws(req));
        const result = await knowledge.search(k(), ws(req), question);
        res.json({ mode: result.mode, passages: result.passages.map(presentPassage) });
      },
    },
  ];
}
