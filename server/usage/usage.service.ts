import { recordAudit, type AuditActor } from '../audit/audit.js';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { withTenant, withoutTenant } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import * as repo from './usage.repo.js';

/** Who spends a budget: nobody in particular, so the audit log names the system. */
const SYSTEM: AuditActor = { accountId: null, label: 'system', ip: null };

/** A workspace's spent day: 429 until the next UTC midnight (the route sends Retry-After). */
export class BudgetExhaustedError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'budget_exhausted', 'This chat has reached its limit for today. Please come back tomorrow.');
  }
}

/** The UTC day a moment belongs to, as YYYY-MM-DD: budgets start again at midnight UTC. */
export function utcDay(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** The day's budget in tokens, or undefined for no limit (0 means none). */
export function dailyBudget(config: Config, override: number | null): number | undefined {
  const budget = override ?? config.usage.dailyTokenBudget;
  return budget > 0 ? budget : undefined;
}

/** The max_tokens a workspace's replies ask for: its own setting, never above the operator's ceiling. */
export function replyTokenLimit(config: Config, setting: number | null): number {
  return Math.min(setting ?? config.usage.maxReplyTokens, config.usage.maxReplyTokens);
}

/** The refusal of a workspace whose day is spent, with the seconds until the next UTC midnight. */
export function budgetExhausted(now: Date): BudgetExhaustedError {
  return new BudgetExhaustedError(Math.max(1, Math.ceil((nextUtcMidnight(now).getTime() - now.getTime()) / 1000)));
}

/**
 * Whether the day's tokens reach the workspace's budget (server/chat/ reads them in its
 * message and reply statements); undefined budget: no limit.
 */
export function budgetSpent(config: Config, day: { override: number | null; used: number }): { spent: boolean; budget: number | undefined } {
  const budget = dailyBudget(config, day.override);
  return { spent: budget !== undefined && day.used >= budget, budget };
}

/**
 * Marks the day spent and audits it, once a day: the reply that spends the budget, or
 * the first refusal of a day not yet marked (a budget the operator lowered below what
 * was used). In the caller's tenant transaction.
 */
export async function auditIfFirst(q: Parameters<typeof recordAudit>[0], workspaceId: string, day: string, budget: number): Promise<void> {
  const used = await repo.markExhausted(q, workspaceId, day, budget);
  if (used === undefined) return;
  await recordAudit(q, workspaceId, SYSTEM, { action: 'usage.budget_exhausted', targetType: 'workspace', targetId: workspaceId, after: { day, budget, used } });
}

/** Today's usage and limits as the admin panel shows them. */
export interface UsageView {
  day: string;
  promptTokens: number;
  completionTokens: number;
  /** Undefined: no limit. */
  budget: number | undefined;
  budgetSource: 'default' | 'operator';
  exhausted: boolean;
  resetsAt: Date;
  maxReplyTokensCeiling: number;
}

export async function getUsage(db: Db, config: Config, workspaceId: string, now = new Date()): Promise<UsageView> {
  const day = utcDay(now);
  const usage = await withTenant(db, workspaceId, (q) => repo.readDayUsage(q, workspaceId, day));
  const budget = dailyBudget(config, usage.override);
  return {
    day,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    budget,
    budgetSource: usage.override === null ? 'default' : 'operator',
    exhausted: budget !== undefined && usage.promptTokens + usage.completionTokens >= budget,
    resetsAt: nextUtcMidnight(now),
    maxReplyTokensCeiling: config.usage.maxReplyTokens,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The workspace with this id, for the operator's command line; undefined if there is none. */
export async function findWorkspace(db: Db, id: string): Promise<string | undefined> {
  if (!UUID.test(id)) return undefined;
  return (await withTenant(db, id, (q) => repo.workspaceExists(q, id))) ? id : undefined;
}

/**
 * The operator's override of one workspace's daily budget (null: back to DAILY_TOKEN_BUDGET),
 * recorded in the platform audit log and in the workspace's own. Undefined: no such workspace.
 */
export async function setWorkspaceBudget(db: Db, workspaceId: string, tokens: number | null): Promise<{ previous: number | null } | undefined> {
  const change = await withTenant(db, workspaceId, async (q) => {
    const result = await repo.setBudgetOverride(q, workspaceId, tokens);
    if (result) {
      const operator: AuditActor = { accountId: null, label: 'operator', ip: null };
      await recordAudit(q, workspaceId, operator, {
        action: 'usage.budget_set', targetType: 'workspace', targetId: workspaceId,
        before: { dailyTokenBudget: result.previous }, after: { dailyTokenBudget: tokens },
      });
    }
    return result;
  });
  if (change) {
    await withoutTenant(db, (q) =>
      repo.insertPlatformAudit(q, { action: 'workspace.token_budget_set', target: `workspace:${workspaceId}`, details: { before: change.previous, after: tokens } }),
    );
  }
  return change;
}
