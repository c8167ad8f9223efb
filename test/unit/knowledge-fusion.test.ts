import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fakeEmbedding, fakeWords, FAKE_EMBEDDING_DIMENSIONS } from '../../scripts/fake-mistral-embeddings.js';
import { chunkHash, embeddingText } from '../../server/knowledge/chunk-text.js';
import { planBatches } from '../../server/knowledge/embed/embed-batches.js';
import { retryAfter } from '../../server/knowledge/embed/mistral-embed.js';
import { fuseRanks } from '../../server/knowledge/rrf.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('reciprocal rank fusion', () => {
  const open = { minSimilarity: -1, minScore: 0 };

  test('a chunk both searches rank first scores 1; first in one list only, 0.5', () => {
    const fused = fuseRanks([{ id: 'a', similarity: 0.9 }, { id: 'b', similarity: 0.8 }], ['a', 'c'], open);
    assert.deepEqual(fused.map((f) => f.id), ['a', 'b', 'c']);
    assert.equal(fused[0]!.score, 1);
    assert.deepEqual({ vectorRank: fused[0]!.vectorRank, textRank: fused[0]!.textRank, similarity: fused[0]!.similarity }, { vectorRank: 1, textRank: 1, similarity: 0.9 });
    // b: second by vector (1/62); c: second by text (1/62): equal scores, b first by id.
    assert.equal(fused[1]!.score, fused[2]!.score);
    assert.ok(Math.abs(fused[1]!.score - (1 / 62) / (2 / 61)) < 1e-12);
  });

  test('being found by both searches beats being first in one', () => {
    const vector = ['x', 'both'].map((id, i) => ({ id, similarity: 0.9 - i / 10 }));
    const fused = fuseRanks(vector, ['y', 'z', 'both'], open);
    assert.equal(fused[0]!.id, 'both');
  });

  test('the floor drops vector-only chunks below minSimilarity, never text matches', () => {
    const fused = fuseRanks([{ id: 'close', similarity: 0.82 }, { id: 'far', similarity: 0.4 }, { id: 'worded', similarity: 0.3 }], ['worded'], { minSimilarity: 0.7, minScore: 0 });
    assert.deepEqual(fused.map((f) => f.id).sort(), ['close', 'worded']);
  });

  test('minScore drops what ranks low in one list only', () => {
    const text = Array.from({ length: 30 }, (_, i) => `t${i}`);
    const fused = fuseRanks([], text, { minSimilarity: 0, minScore: 0.4 });
    // 1/(60+r) / (2/61) >= 0.4  <=>  r <= 16.25
    assert.equal(fused.length, 16);
  });
});

describe('embedding batches', () => {
  test('no batch exceeds the input count or the token budget; a lone oversized text gets its own', () => {
    const texts = [...Array.from({ length: 300 }, (_, i) => `text ${i}`), 'x'.repeat(50_000), 'y'.repeat(3_000), 'z'.repeat(3_000)];
    const batches = planBatches(texts, { maxInputs: 128, maxTokens: 1_500 });
    assert.deepEqual(batches.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i)), texts.map((_, i) => i), 'every text once, in order');
    for (const [a, b] of batches) {
      assert.ok(b - a <= 128);
      const tokens = texts.slice(a, b).reduce((n, t) => n + Math.ceil(t.length / 3), 0);
      assert.ok(b - a === 1 || tokens <= 1_500, `batch ${a}-${b} has ${tokens} tokens`);
    }
    assert.deepEqual(batches.slice(0, 3), [[0, 128], [128, 256], [256, 300]]);
    assert.deepEqual(batches.slice(3), [[300, 301], [301, 302], [302, 303]]);
  });
});

describe('the fake embeddings', () => {
  test('are deterministic unit vectors of 1024 numbers', () => {
    const v = fakeEmbedding('Refunds are paid within 14 days.');
    assert.equal(v.length, FAKE_EMBEDDING_DIMENSIONS);
    assert.ok(Math.abs(cosine(v, v) - 1) < 1e-9);
    assert.deepEqual(fakeEmbedding('Refunds are paid within 14 days.'), v);
    assert.ok(Math.abs(cosine(fakeEmbedding('the of and'), fakeEmbedding('to a')) - 1) < 1e-9, 'stop words only: one fixed unit vector');
  });

  test('put texts sharing words closer than texts that share none', () => {
    const question = fakeEmbedding('How long do refunds take?');
    const refunds = fakeEmbedding('Refunds: we refund your order within 14 days; refunds take a week to arrive.');
    const shipping = fakeEmbedding('Shipping: parcels leave our warehouse every morning.');
    assert.ok(cosine(question, refunds) > 0.3, String(cosine(question, refunds)));
    assert.ok(Math.abs(cosine(question, shipping)) < 0.1, String(cosine(question, shipping)));
    assert.deepEqual(fakeWords('Refunds processes Processing'), ['refund', 'process', 'process']);
  });
});

describe('chunk text', () => {
  test('the embedded text carries the title and headings, and the hash follows it', () => {
    const chunk = { title: 'Help', headingPath: 'Billing > Refunds', content: 'Within 14 days.' };
    assert.equal(embeddingText(chunk), 'Help > Billing > Refunds\n\nWithin 14 days.');
    assert.equal(embeddingText({ title: '', headingPath: '', content: 'Alone.' }), 'Alone.');
    assert.notEqual(chunkHash(chunk), chunkHash({ ...chunk, headingPath: 'Billing' }));
    assert.match(chunkHash(chunk), /^[0-9a-f]{64}$/);
  });
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  assert.equal(retryAfter('2'), 2000);
  assert.equal(retryAfter('0.5'), 500);
  assert.equal(retryAfter(null), undefined);
  assert.equal(retryAfter('soon'), undefined);
  const inTen = retryAfter(new Date(Date.now() + 10_000).toUTCString())!;
  assert.ok(inTen > 8_000 && inTen <= 10_000, String(inTen));
});
