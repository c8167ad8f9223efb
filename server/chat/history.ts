import type { ChatMessage } from '../providers/provider.js';

/**
 * Characters of conversation sent with each request, system prompt not counted:
 * about 8k tokens, well inside every Mistral model's context, and a bound on what
 * one message can cost.
 */
export const HISTORY_CHAR_BUDGET = 32_000;

/**
 * The newest messages that fit the budget, oldest first. The newest message is always
 * kept (a visitor's message is at most 4000 characters). Consecutive messages of one
 * role (a question whose reply failed, then another) are joined, and the history never
 * starts with the assistant, since providers expect turns to alternate from the user.
 */
export function trimHistory(
  messages: readonly { role: 'user' | 'assistant'; content: string }[],
  systemPrompt: string,
  budget = HISTORY_CHAR_BUDGET,
): ChatMessage[] {
  const kept: { role: 'user' | 'assistant'; content: string }[] = [];
  let used = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.content.length === 0) continue;
    if (kept.length > 0 && used + message.content.length > budget) break;
    used += message.content.length;
    kept.push(message);
  }
  kept.reverse();
  while (kept[0]?.role === 'assistant') kept.shift();

  const turns: ChatMessage[] = [];
  for (const message of kept) {
    const last = turns.at(-1);
    if (last?.role === message.role) last.content += `\n\n${message.content}`;
    else turns.push({ role: message.role, content: message.content });
  }
  return systemPrompt.trim() ? [{ role: 'system', content: systemPrompt }, ...turns] : turns;
}
