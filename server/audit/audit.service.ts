import { z } from 'zod';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import type { WorkspaceContext } from '../workspaces/workspace-context.js';
import { recordAudit, type AuditActor } from './audit.js';
import { cursorTime, decodeCursor, encodeCursor } from './cursor.js';
import * as repo from './audit.repo.js';

/*
 * Sign-ins are per account, not per workspace: auth writes them once, to
 * platform_audit_events (actor `account:<id>`). Rather than copying each one into every
 * workspace the account belongs to, the workspace's log reads them from there: its
 * current members' sign-ins, failed sign-ins and MFA changes since they joined, shown next to the
 * workspace's own events. So one record stays the source of truth, auth needs no
 * knowledge of workspaces, a workspace never sees sign-ins from before a member joined
 * or after they left, and sign-ins with an unknown email (no account) appear nowhere.
 */

const auditCursor = z.strictObject({ at: cursorTime, src: z.enum(['w', 'p']), id: z.string().regex(/^\d{1,19}$/) });
const EXPORT_BATCH = 500;

export interface AuditQuery {
  cursor?: string | undefined;
  limit: number;
  action?: string | undefined;
}

const cursorOf = (row: repo.AuditRow) => encodeCursor({ at: row.cursor_at, src: row.src, id: String(row.id) });

export async function listAudit(db: Db, workspace: WorkspaceContext, query: AuditQuery): Promise<{ events: repo.AuditRow[]; nextCursor: string | null }> {
  const cursor = decodeCursor(auditCursor, query.cursor);
  const after = cursor && { at: cursor.at, src: cursor.src, id: Number(cursor.id) };
  const rows = await withTenant(db, workspace.id, (q) => repo.listEvents(q, workspace.id, { action: query.action, after, limit: query.limit + 1 }));
  const events = rows.slice(0, query.limit);
  const last = events.at(-1);
  return { events, nextCursor: rows.length > query.limit && last ? cursorOf(last) : null };
}

/**
 * Every event, newest first, in batches of separate short transactions so a long
 * download holds no transaction open. The export is itself recorded first.
 */
export async function* exportAudit(db: Db, workspace: WorkspaceContext, actor: AuditActor, action?: string): AsyncGenerator<repo.AuditRow> {
  await withTenant(db, workspace.id, (q) =>
    recordAudit(q, workspace.id, actor, { action: 'audit.exported', targetType: 'workspace', targetId: workspace.id, after: action ? { action } : null }),
  );
  let after: repo.AuditPage['after'];
  for (;;) {
    const rows = await withTenant(db, workspace.id, (q) => repo.listEvents(q, workspace.id, { action, after, limit: EXPORT_BATCH }));
    yield* rows;
    const last = rows.at(-1);
    if (rows.length < EXPORT_BATCH || !last) return;
    after = { at: last.cursor_at, src: last.src, id: last.id };
  }
}
