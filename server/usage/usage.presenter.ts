import type { UsageView } from './usage.service.js';

export function presentUsage(u: UsageView) {
  return {
    day: u.day,
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    totalTokens: u.promptTokens + u.completionTokens,
    /** null: no daily limit. */
    budget: u.budget ?? null,
    budgetSource: u.budgetSource,
    exhausted: u.exhausted,
    resetsAt: u.resetsAt.toISOString(),
    maxReplyTokensCeiling: u.maxReplyTokensCeiling,
  };
}
