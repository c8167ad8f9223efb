import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError, type Api } from '../../widget/lib/api.js';
import { Chat } from '../../widget/lib/chat.js';
import { stringsFor } from '../../widget/lib/i18n.js';
import type { Session } from '../../widget/lib/session.js';

const session = { known: true, authorized: <T>(fn: (token: string) => Promise<T>) => fn('token') } as unknown as Session;

/** A widget API whose message request answers with the given failure or event stream. */
function apiAnswering(send: () => Promise<Response>): Api {
  return { createConversation: async () => ({ id: 'c1', createdAt: new Date().toISOString() }), send } as unknown as Api;
}

const sse = (...events: [string, unknown][]) =>
  new Response(events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join(''), { headers: { 'content-type': 'text/event-stream' } });

// Issue #11, point 5: what the visitor reads when the workspace's day is spent or a reply hit its length.
describe('widget chat: limits the visitor is told about', () => {
  for (const [language, sentence] of [
    ['en', 'This chat has reached its limit for today. Please come back tomorrow.'],
    ['de', 'Dieser Chat hat sein Limit für heute erreicht. Bitte schauen Sie morgen wieder vorbei.'],
    ['fr', 'Ce chat a atteint sa limite pour aujourd’hui. Merci de revenir demain.'],
  ] as const) {
    test(`budget_exhausted shows the widget's own sentence (${language}); the message is not kept as sent`, async () => {
      const strings = stringsFor([language]);
      assert.equal(strings.budgetExhausted, sentence);
      const refusal = new ApiError(429, 'budget_exhausted', 'server sentence', 3600);
      const chat = new Chat(apiAnswering(() => Promise.reject(refusal)), session, strings, () => undefined);
      assert.equal(await chat.send('hello'), false);
      assert.equal(chat.state.notice, sentence);
      assert.deepEqual(chat.state.messages, []);
    });
  }

  test('a reply cut at its maximum length says so instead of "interrupted"', async () => {
    const strings = stringsFor(['en']);
    const chat = new Chat(
      apiAnswering(async () => sse(['accepted', { id: 'u1', createdAt: '' }], ['delta', { text: 'Part of' }], ['done', { id: 'a1', status: 'incomplete', reason: 'length' }])),
      session, strings, () => undefined,
    );
    assert.equal(await chat.send('tell me everything'), true);
    const reply = chat.state.messages.at(-1)!;
    assert.deepEqual([reply.status, reply.content, reply.error], ['incomplete', 'Part of', 'This reply reached its maximum length.']);
  });
});
