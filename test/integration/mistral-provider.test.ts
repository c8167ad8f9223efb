import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { mistralProvider } from '../../server/providers/mistral.js';
import { ProviderError, type ChatMessage, type ChatStreamEvent } from '../../server/providers/provider.js';
import { defaultReplyText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';

// The real SDK against the local stand-in: what the chat service relies on.
describe('Mistral provider (real SDK, local Mistral)', () => {
  let fake: FakeMistral;
  before(async () => {
    fake = await startFakeMistral();
  });
  after(() => fake?.close());
  beforeEach(() => fake.setScript());

  const messages: ChatMessage[] = [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'What is 2+2?' }];
  const collect = async (provider = mistralProvider({ serverUrl: fake.url }), signal = new AbortController().signal) => {
    const events: ChatStreamEvent[] = [];
    try {
      for await (const event of provider.stream({ apiKey: 'key-abc', model: 'mistral-test', messages, signal })) events.push(event);
      return { events };
    } catch (error) {
      return { events, error: error as ProviderError };
    }
  };
  const textOf = (events: ChatStreamEvent[]) => events.map((e) => (e.type === 'delta' ? e.text : '')).join('');

  test('streams the default reply as deltas, then usage; sends model, messages and the key', async () => {
    const { events, error } = await collect();
    assert.equal(error, undefined);
    assert.equal(textOf(events), defaultReplyText('What is 2+2?'));
    assert.ok(events.filter((e) => e.type === 'delta').length > 10, 'arrives in many small deltas');
    const done = events.at(-1)!;
    assert.equal(done.type, 'done');
    assert.ok(done.type === 'done' && done.usage && done.usage.promptTokens > 0 && done.usage.completionTokens > 10);
    const request = fake.requests.at(-1)!;
    assert.equal(request.authorization, 'Bearer key-abc');
    assert.equal(request.body.model, 'mistral-test');
    assert.equal(request.body.stream, true);
    assert.deepEqual(request.body.messages, messages);
  });

  test('reports the usage the provider sent', async () => {
    fake.setScript(() => ({ chunks: ['a', 'b'], usage: { promptTokens: 17, completionTokens: 2 } }));
    const { events } = await collect();
    assert.deepEqual(events.at(-1), { type: 'done', usage: { promptTokens: 17, completionTokens: 2 }, finishReason: 'stop' });
  });

  test('sends max_tokens; a reply cut there ends with finish reason length and its usage', async () => {
    fake.setScript(() => ({ chunks: ['one ', 'two ', 'three ', 'four ', 'five '] }));
    const events: ChatStreamEvent[] = [];
    const provider = mistralProvider({ serverUrl: fake.url });
    for await (const event of provider.stream({ apiKey: 'key-abc', model: 'mistral-test', messages, maxTokens: 3, signal: new AbortController().signal })) events.push(event);
    assert.equal(fake.requests.at(-1)!.body.max_tokens, 3);
    assert.equal(textOf(events), 'one two three ');
    const done = events.at(-1)!;
    assert.ok(done.type === 'done');
    assert.equal(done.finishReason, 'length');
    assert.equal(done.usage?.completionTokens, 3);
  });

  for (const [status, kind] of [[401, 'auth'], [429, 'rate_limited'], [400, 'rejected'], [500, 'unavailable'], [503, 'unavailable']] as const) {
    test(`HTTP ${status} becomes a ${kind} error, tried once, without the key in its detail`, async () => {
      const before = fake.requests.length;
      fake.setScript((r) => ({ status, body: { message: `nope, ${r.authorization}` } }));
      const { events, error } = await collect();
      assert.deepEqual(events, []);
      assert.ok(error instanceof ProviderError);
      assert.equal(error.kind, kind);
      assert.equal(error.status, status);
      assert.ok(!error.message.includes('key-abc') && !error.detail.includes('key-abc'));
      assert.equal(fake.requests.length, before + 1);
    });
  }

  test('a connection cut mid-reply is an error after the text so far', async () => {
    fake.setScript(() => ({ chunks: ['Hel', 'lo'], end: 'abrupt' }));
    const { events, error } = await collect();
    assert.equal(textOf(events), 'Hello');
    assert.equal(error?.kind, 'unavailable');
  });

  test('a stream that ends without finishing is an error, not a complete reply', async () => {
    fake.setScript(() => ({ chunks: ['Hel', 'lo'], end: 'hang' }));
    const { error } = await collect(mistralProvider({ serverUrl: fake.url, idleTimeoutMs: 150 }));
    assert.equal(error?.kind, 'timeout');
  });

  test('no first byte within the timeout: timeout, and the upstream request is cancelled', async () => {
    fake.setScript(() => ({ hang: true }));
    const started = Date.now();
    const { error } = await collect(mistralProvider({ serverUrl: fake.url, firstByteTimeoutMs: 200 }));
    assert.equal(error?.kind, 'timeout');
    assert.ok(Date.now() - started < 2_000);
    await fake.requests.at(-1)!.closed;
    assert.equal(fake.requests.at(-1)!.aborted, true);
  });

  test("aborting the caller's signal mid-reply cancels the upstream request", async () => {
    fake.setScript(() => ({ chunks: ['one ', 'two ', { text: 'three', delayMs: 10_000 }] }));
    const controller = new AbortController();
    const events: ChatStreamEvent[] = [];
    let error: ProviderError | undefined;
    try {
      for await (const event of mistralProvider({ serverUrl: fake.url }).stream({ apiKey: 'k', model: 'm', messages, signal: controller.signal })) {
        events.push(event);
        if (textOf(events) === 'one two ') controller.abort();
      }
    } catch (err) {
      error = err as ProviderError;
    }
    assert.equal(error?.kind, 'aborted');
    assert.equal(textOf(events), 'one two ');
    await fake.requests.at(-1)!.closed;
    assert.equal(fake.requests.at(-1)!.aborted, true);
  });

  test('an unreachable server is unavailable', async () => {
    const { error } = await collect(mistralProvider({ serverUrl: 'http://127.0.0.1:9' }));
    assert.equal(error?.kind, 'unavailable');
  });
});
