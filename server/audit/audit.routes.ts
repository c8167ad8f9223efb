import { sendDownload } from '../http/download.js';
import { parseInput } from '../http/validate.js';
import { auditActor, currentWorkspace } from '../workspaces/workspace-context.js';
import type { AdminFeatureDeps, WorkspaceRoute } from '../workspaces/workspace-routes.js';
import { presentAuditEvent } from './audit.presenter.js';
import { auditExportQuery, auditQuery } from './audit.schema.js';
import * as audit from './audit.service.js';

/** /api/admin/workspaces/:workspaceId/audit: the workspace's audit log and its download. */
export function auditRoutes({ db }: AdminFeatureDeps): WorkspaceRoute[] {
  return [
    {
      method: 'get', path: '/audit', role: 'admin',
      handler: async (req, res) => {
        const query = parseInput(auditQuery, req.query, 'invalid_query');
        const page = await audit.listAudit(db, currentWorkspace(req), query);
        res.json({ events: page.events.map(presentAuditEvent), nextCursor: page.nextCursor });
      },
    },
    {
      method: 'get', path: '/audit/export', role: 'admin',
      handler: async (req, res) => {
        const { action } = parseInput(auditExportQuery, req.query, 'invalid_query');
        const workspace = currentWorkspace(req);
        const events = audit.exportAudit(db, workspace, auditActor(req), action);
        // The first batch (and the audit.exported record) before any header, so a failure is still a JSON error.
        const first = await events.next();
        const day = new Date().toISOString().slice(0, 10);
        await sendDownload(res, req.log, {
          contentType: 'application/x-ndjson; charset=utf-8',
          filename: `parley-audit-${workspace.id}-${day}.jsonl`,
          chunks: (async function* () {
            try {
              for (let next = first; !next.done; next = await events.next()) yield `${JSON.stringify(presentAuditEvent(next.value))}\n`;
            } finally {
              await events.return(undefined);
            }
          })(),
        });
      },
    },
  ];
}
