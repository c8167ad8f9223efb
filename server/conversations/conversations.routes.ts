import { sendDownload, type Download } from '../http/download.js';
import { parseInput } from '../http/validate.js';
import { auditActor, currentWorkspace } from '../workspaces/workspace-context.js';
import type { AdminFeatureDeps, WorkspaceRoute } from '../workspaces/workspace-routes.js';
import { presentConversation, presentMessage } from './conversations.presenter.js';
import { conversationIdParam, exportQuery, listConversationsQuery, wipeBody } from './conversations.schema.js';
import * as conversations from './conversations.service.js';
import { exportConversations, exportWorkspace, type ExportStream } from './export.service.js';

/** Conversations in the admin panel, their deletion and exports, and the full workspace export. */
export function conversationRoutes({ db }: AdminFeatureDeps): WorkspaceRoute[] {
  return [
    {
      method: 'get', path: '/conversations', role: 'viewer',
      handler: async (req, res) => {
        const query = parseInput(listConversationsQuery, req.query, 'invalid_query');
        const page = await conversations.listConversations(db, currentWorkspace(req), query);
        res.json({ conversations: page.conversations.map(presentConversation), nextCursor: page.nextCursor });
      },
    },
    {
      // Before /conversations/:conversationId, which would otherwise take "export" as an id.
      method: 'get', path: '/conversations/export', role: 'admin',
      handler: async (req, res) => {
        const { format } = parseInput(exportQuery, req.query, 'invalid_query');
        const download = await exportConversations(db, currentWorkspace(req), auditActor(req), format);
        await sendDownload(res, req.log, withProgress(download));
      },
    },
    {
      method: 'post', path: '/conversations/wipe', role: 'owner',
      handler: async (req, res) => {
        const body = parseInput(wipeBody, req.body ?? {}, 'invalid_body');
        const deleted = await conversations.wipeConversations(db, currentWorkspace(req), auditActor(req), body.confirm);
        res.json({ deleted: { conversations: deleted.conversations, messages: deleted.messages, visitors: deleted.visitors } });
      },
    },
    {
      method: 'get', path: '/conversations/:conversationId', role: 'viewer',
      handler: async (req, res) => {
        const id = parseInput(conversationIdParam, req.params.conversationId, 'invalid_id');
        const found = await conversations.getConversation(db, currentWorkspace(req), id);
        res.json({ conversation: presentConversation(found.conversation), messages: found.messages.map(presentMessage) });
      },
    },
    {
      method: 'delete', path: '/conversations/:conversationId', role: 'admin',
      handler: async (req, res) => {
        const id = parseInput(conversationIdParam, req.params.conversationId, 'invalid_id');
        await conversations.deleteConversation(db, currentWorkspace(req), auditActor(req), id);
        res.status(204).end();
      },
    },
    {
      method: 'get', path: '/export', role: 'owner',
      handler: async (req, res) => {
        const download = await exportWorkspace(db, currentWorkspace(req), auditActor(req));
        await sendDownload(res, req.log, withProgress(download));
      },
    },
  ];
}

// Content-Length cannot be known in advance; the panel shows progress against this count.
const withProgress = (download: ExportStream): Download => ({ ...download, headers: { 'X-Parley-Export-Total': String(download.totalConversations) } });
