import { Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { pageLimit } from '../audit/cursor.js';
import type { Db } from '../db/db.js';
import { parseInput } from '../http/validate.js';
import type { KnowledgeDeps } from '../knowledge/knowledge-deps.js';
import { knowledgeApiRoutes } from '../knowledge/knowledge-api.routes.js';
import { apiKeyActor, apiKeyAuth, currentApiKey, requireWriteScope } from './api-v1.auth.js';
import { presentConversation, presentMessage } from './api-v1.presenter.js';
import * as api from './api-v1.service.js';

const listQuery = z.object({ cursor: z.string().max(500).optional(), limit: pageLimit });
const conversationId = z.uuid({ error: 'must be an id' });

export interface ApiV1Deps {
  db: Db;
  redis?: Redis | undefined;
  rateLimitPrefix?: string | undefined;
  /** /api/v1/sources (server/knowledge/knowledge-api.routes.ts). */
  knowledge: KnowledgeDeps;
}

/** /api/v1: the server-to-server API (docs/server-api.md), authenticated by a workspace's API key. */
export function apiV1Routes({ db, redis, rateLimitPrefix, knowledge }: ApiV1Deps): Router {
  const router = Router();
  router.use(apiKeyAuth(db, { redis, prefix: rateLimitPrefix }));
  router.get('/conversations', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'invalid_query');
    const page = await api.listConversations(db, currentApiKey(req).workspaceId, query);
    res.json({ conversations: page.conversations.map(presentConversation), nextCursor: page.nextCursor });
  });
  router.get('/conversations/:conversationId', async (req, res) => {
    const id = parseInput(conversationId, req.params.conversationId, 'invalid_id');
    const { conversation, messages } = await api.getConversation(db, currentApiKey(req).workspaceId, id);
    res.json({ conversation: presentConversation(conversation), messages: messages.map(presentMessage) });
  });
  router.delete('/conversations/:conversationId', async (req, res) => {
    const key = requireWriteScope(req, res);
    const id = parseInput(conversationId, req.params.conversationId, 'invalid_id');
    await api.deleteConversation(db, key.workspaceId, apiKeyActor(req), id);
    res.status(204).end();
  });
  router.use(knowledgeApiRoutes(knowledge));
  return router;
}
