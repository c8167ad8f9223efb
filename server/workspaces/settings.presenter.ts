import type { Settings } from './settings.service.js';

export function presentSettings(s: Settings) {
  return {
    allowedOrigins: s.allowedOrigins,
    title: s.title,
    greeting: s.greeting,
    color: s.color,
    position: s.position,
    systemPrompt: s.systemPrompt,
    model: s.model,
    retentionDays: s.retentionDays,
    maxReplyTokens: s.maxReplyTokens,
    updatedAt: s.updatedAt.toISOString(),
  };
}
