import { AUDIT_RETENTION_DEFAULTS, type AuditRetention } from '../audit/audit-retention.js';
import type { Db, Queryable } from '../db/db.js';
import { withJobLock } from '../db/job-lock.js';
import { listRetentionPolicies, withTenant, withoutTenant } from '../db/tenant.js';
import type { Logger } from '../logging.js';
import { pruneAudit, type AuditRetentionCounts } from './audit-retention.service.js';
import { deleteExpiredAccountCredentials, deleteExpiredInvitations, type ExpiredCredentials } from './credentials.repo.js';
import {
  deleteEmptyConversations,
  deleteExpiredMessages,
  deleteOrphanVisitors,
  insertRetentionAudit,
  retentionCutoff,
  type DeletedCounts,
} from './retention.repo.js';

/**
 * Rows per DELETE transaction: small enough that inserts beside it never wait long.
 * On PostgreSQL a batch locks only its own rows, so inserts run beside it; PGlite's one
 * connection runs nothing else meanwhile, so its batches are smaller (bench/retention.ts).
 */
export const DEFAULT_BATCH_SIZE = { postgres: 5_000, pglite: 1_000 } as const;

export interface RetentionOptions {
  batchSize?: number;
  /** Stops between batches (server shutdown); what was deleted so far is still audited. */
  signal?: AbortSignal;
  logger?: Logger;
  /** How long the audit logs keep addresses and rows (AUDIT_IP_TRUNCATE_DAYS, AUDIT_RETENTION_DAYS). */
  audit?: AuditRetention;
}

export interface WorkspaceRetention extends DeletedCounts {
  workspaceId: string;
  retentionDays: number;
}

export interface RetentionRun {
  /** Workspaces that had something deleted. */
  workspaces: WorkspaceRetention[];
  totals: DeletedCounts;
  /** Workspaces (or the audit logs' step) whose deletion failed; logged, and tried again on the next run. */
  failed: number;
  /** True when the signal stopped the run before every workspace was done. */
  interrupted: boolean;
  /** Expired sessions, reset tokens and invitations removed on the way. */
  expired: ExpiredCredentials;
  /** Audit rows whose personal data was cut, and audit rows deleted. */
  audit: AuditRetentionCounts;
}

/**
 * Deletes, in every workspace, messages older than its retention days, then the
 * conversations and visitors left empty and untouched for as long. Real DELETEs,
 * batch by batch, each in its own short tenant transaction. Then the audit logs: rows
 * past options.audit.retentionDays deleted, addresses and emails in rows past
 * ipTruncateDays cut (audit-retention.service.ts). Resolves undefined,
 * doing nothing, when another run holds the job lock.
 */
export async function runRetention(db: Db, options: RetentionOptions = {}): Promise<RetentionRun | undefined> {
  return withJobLock(db, 'retention', () => runRetentionHoldingLock(db, options));
}

/** runRetention's work, for a caller that holds the retention job lock already (the schedule). */
export async function runRetentionHoldingLock(db: Db, { batchSize = DEFAULT_BATCH_SIZE[db.driver], signal, logger, audit = AUDIT_RETENTION_DEFAULTS }: RetentionOptions): Promise<RetentionRun> {
  const run: RetentionRun = {
    workspaces: [], totals: { messages: 0, conversations: 0, visitors: 0 }, failed: 0, interrupted: false,
    expired: { ...(await withoutTenant(db, deleteExpiredAccountCredentials)), invitations: 0 },
    audit: { truncated: 0, deleted: 0 },
  };
  for (const policy of await listRetentionPolicies(db)) {
    if (signal?.aborted) {
      run.interrupted = true;
      break;
    }
    const counts: DeletedCounts = { messages: 0, conversations: 0, visitors: 0 };
    try {
      run.expired.invitations += await withTenant(db, policy.workspaceId, (q) => deleteExpiredInvitations(q, policy.workspaceId));
      await purgeWorkspace(db, policy.workspaceId, policy.retentionDays, batchSize, counts, signal);
    } catch (err) {
      run.failed++;
      // The error names tables and ids, never row content.
      logger?.error({ err, workspaceId: policy.workspaceId }, 'retention failed for a workspace; it is retried on the next run');
    }
    if (counts.messages + counts.conversations + counts.visitors > 0) {
      await withTenant(db, policy.workspaceId, (q) => insertRetentionAudit(q, policy.workspaceId, counts)).catch((err: unknown) => {
        logger?.error({ err, workspaceId: policy.workspaceId }, 'retention audit event not written');
      });
      run.workspaces.push({ workspaceId: policy.workspaceId, retentionDays: policy.retentionDays, ...counts });
      for (const k of ['messages', 'conversations', 'visitors'] as const) run.totals[k] += counts[k];
    }
  }
  try {
    run.audit = await pruneAudit(db, audit, batchSize, signal);
  } catch (err) {
    run.failed++;
    logger?.error({ err }, 'audit log retention failed; it is retried on the next run');
  }
  if (signal?.aborted) run.interrupted = true;
  return run;
}

async function purgeWorkspace(db: Db, workspaceId: string, days: number, batchSize: number, counts: DeletedCounts, signal?: AbortSignal): Promise<void> {
  // One cutoff for the whole workspace, so the three steps agree on what "old" means.
  const cutoff = await withTenant(db, workspaceId, (q) => retentionCutoff(q, days));
  const steps: [keyof DeletedCounts, (q: Queryable) => Promise<number>][] = [
    ['messages', (q) => deleteExpiredMessages(q, workspaceId, cutoff, batchSize)],
    ['conversations', (q) => deleteEmptyConversations(q, workspaceId, cutoff, batchSize)],
    ['visitors', (q) => deleteOrphanVisitors(q, workspaceId, cutoff, batchSize)],
  ];
  for (const [kind, step] of steps) {
    for (;;) {
      if (signal?.aborted) return;
      const deleted = await withTenant(db, workspaceId, step);
      counts[kind] += deleted;
      if (deleted < batchSize) break;
      // Let other requests in between batches (PGlite runs one statement at a time on its worker).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
