import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fakeEmbedding } from '../../scripts/fake-mistral-embeddings.js';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { mistralEmbedder } from '../../server/knowledge/embed/mistral-embed.js';
import { ProviderError } from '../../server/providers/provider.js';

// The real SDK against the local Mistral's /v1/embeddings, which refuses what Mistral
// refuses (more than 256 inputs or 16,384 tokens in one request).
const KEY = 'test-key-0123456789abcdef';
let fake: FakeMistral;

before(async () => {
  fake = await startFakeMistral();
});
after(() => fake.close());
beforeEach(() => {
  fake.embeddings.requests.length = 0;
  fake.embeddings.setScript();
  fake.embeddings.failNext(0);
});

const fast = () => mistralEmbedder({ serverUrl: fake.url, initialDelayMs: 1, maxDelayMs: 5 });

describe('mistral-embed through the SDK', () => {
  test('embeds many texts in batches within the limits, each vector in its text’s place', async () => {
    const texts = Array.from({ length: 600 }, (_, i) => `Article ${i}: how to configure feature number ${i} of the product, step by step.`);
    texts.push('long '.repeat(9_000)); // over mistral-embed's 8,192 tokens for one input: cut, not refused
    const result = await fast().embed({ apiKey: KEY, texts });
    assert.equal(result.vectors.length, texts.length);
    texts.forEach((t, i) => assert.deepEqual(result.vectors[i], fakeEmbedding(t), `vector ${i}`));
    const sizes = fake.embeddings.requests.map((r) => r.inputs.length);
    assert.equal(sizes.reduce((a, b) => a + b), texts.length);
    assert.ok(sizes.length >= 5 && sizes.every((n) => n <= 128), sizes.join(','));
    assert.equal(fake.embeddings.requests.at(-1)!.inputs.at(-1)!.length, 24_000);
    assert.ok(fake.embeddings.requests.every((r) => r.model === 'mistral-embed' && r.authorization === `Bearer ${KEY}`));
    assert.ok(result.tokens > 0);
  });

  test('retries a 429 with back-off, then succeeds', async () => {
    fake.embeddings.failNext(2, 429);
    const result = await fast().embed({ apiKey: KEY, texts: ['refunds', 'shipping'] });
    assert.deepEqual(result.vectors, [fakeEmbedding('refunds'), fakeEmbedding('shipping')]);
    assert.equal(fake.embeddings.requests.length, 3);
  });

  test('retries a 503, and gives up after maxAttempts with a typed failure', async () => {
    fake.embeddings.failNext(1, 503);
    await fast().embed({ apiKey: KEY, texts: ['a'] });
    assert.equal(fake.embeddings.requests.length, 2);

    fake.embeddings.requests.length = 0;
    fake.embeddings.failNext(10, 429);
    const err = await mistralEmbedder({ serverUrl: fake.url, initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 }).embed({ apiKey: KEY, texts: ['a'] }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProviderError);
    assert.equal(err.kind, 'rate_limited');
    assert.equal(err.status, 429);
    assert.equal(fake.embeddings.requests.length, 3);
  });

  test('a Retry-After longer than the embedder will wait fails at once, for the job queue to retry later', async () => {
    fake.embeddings.failNext(5, 429, { 'retry-after': '120' });
    await assert.rejects(fast().embed({ apiKey: KEY, texts: ['a'] }), (e: unknown) => e instanceof ProviderError && e.kind === 'rate_limited');
    assert.equal(fake.embeddings.requests.length, 1);
  });

  test('a refused key is not retried, and the key is not in the error', async () => {
    fake.embeddings.failNext(5, 401);
    const err = (await fast().embed({ apiKey: KEY, texts: ['a'] }).catch((e: unknown) => e)) as ProviderError;
    assert.equal(err.kind, 'auth');
    assert.equal(fake.embeddings.requests.length, 1);
    assert.ok(!err.message.includes(KEY));
  });

  test('halves a batch that Mistral finds too large by its own token count', async () => {
    // Our estimate let 40 texts through; the fake (like Mistral) counts more and refuses.
    const embedder = mistralEmbedder({ serverUrl: fake.url, initialDelayMs: 1, maxTokensPerRequest: 1_000_000 });
    const texts = Array.from({ length: 40 }, (_, i) => `${i} ${'word '.repeat(400)}`);
    const result = await embedder.embed({ apiKey: KEY, texts });
    assert.equal(result.vectors.length, 40);
    assert.deepEqual(result.vectors[39], fakeEmbedding(texts[39]!));
    const [first, ...rest] = fake.embeddings.requests;
    assert.equal(first!.inputs.length, 40);
    assert.ok(rest.every((r) => r.inputs.length <= 20));
  });

  test('aborting stops the wait before a retry and sends nothing more', async () => {
    fake.embeddings.failNext(5, 429, { 'retry-after': '30' });
    const controller = new AbortController();
    const pending = mistralEmbedder({ serverUrl: fake.url }).embed({ apiKey: KEY, texts: ['a'], signal: controller.signal });
    while (fake.embeddings.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof ProviderError && e.kind === 'aborted');
    assert.equal(fake.embeddings.requests.length, 1);
  });

  test('an answer that is not 1024 numbers per text is a failure, not data', async () => {
    fake.embeddings.setScript(() => ({ status: 200, body: { id: 'x', object: 'list', model: 'mistral-embed', usage: { prompt_tokens: 1, total_tokens: 1 }, data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.5] }] } }));
    await assert.rejects(mistralEmbedder({ serverUrl: fake.url, maxAttempts: 1 }).embed({ apiKey: KEY, texts: ['a'] }), (e: unknown) => e instanceof ProviderError && e.kind === 'unavailable' && /1024/.test(e.detail));
  });
});
