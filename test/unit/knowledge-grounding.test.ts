import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { citedNumbers, citedSources, isUnknownAnswer } from '../../server/knowledge/grounding/citations.js';
import { composeFallback, escapeMarkdown, excerpt, FALLBACK_PASSAGE_CHARS } from '../../server/knowledge/grounding/fallback-reply.js';
import { buildGroundedMessages, formatPassages, groundedSystemPrompt } from '../../server/knowledge/grounding/grounded-prompt.js';
import { linkUrl, readMessageSources, toMessageSources } from '../../server/knowledge/grounding/message-sources.js';
import { fallbackQuery, parseRewrite, rewriteMessages } from '../../server/knowledge/grounding/rewrite-query.js';

const UNKNOWN = 'Sorry, I could not find that in our help pages.';
let n = 0;
const passage = (over: Partial<{ title: string; headingPath: string; url: string | null; content: string; sourceId: string }> = {}) => ({
  chunkId: `chunk-${++n}`,
  sourceId: over.sourceId ?? `source-${n}`,
  title: over.title ?? 'Billing',
  headingPath: over.headingPath ?? 'Refunds',
  url: over.url === undefined ? `https://help.example/page-${n}` : over.url,
  content: over.content ?? `Passage ${n} text.`,
});

describe('the grounded prompt', () => {
  test('numbers the passages with their title, section and address, and keeps the workspace prompt first', () => {
    const refunds = passage({ content: 'Refunds take 14 days.' });
    const pasted = passage({ title: 'Opening hours', headingPath: '', url: null, content: 'We open at nine.' });
    const text = formatPassages([refunds, pasted]);
    assert.equal(text, `[1]\nTitle: Billing\nSection: Refunds\nURL: ${refunds.url}\nRefunds take 14 days.\n\n[2]\nTitle: Opening hours\nWe open at nine.`);
    const system = groundedSystemPrompt('You are Acme’s helper.', [refunds], { strictness: 'sources_and_general', unknownAnswer: UNKNOWN });
    assert.ok(system.startsWith('You are Acme’s helper.\n\n'));
    assert.match(system, /Cite the passages you use by their numbers in square brackets/);
    assert.match(system, /you may answer from general knowledge/);
    assert.ok(!system.includes(UNKNOWN), 'the unknown-answer sentence belongs to sources_only');
    assert.ok(system.endsWith(`Passages:\n\n${formatPassages([refunds])}`));
  });

  test('sources_only asks for the exact unknown-answer sentence and forbids other knowledge', () => {
    const system = groundedSystemPrompt('', [passage()], { strictness: 'sources_only', unknownAnswer: UNKNOWN });
    assert.match(system, /^You answer questions/);
    assert.match(system, /Answer only from the passages below; do not use any other knowledge/);
    assert.ok(system.includes(`reply with exactly this sentence and nothing else: "${UNKNOWN}"`));
  });

  test('a passage address that is not http(s) is not offered to the model', () => {
    assert.ok(!formatPassages([passage({ url: 'javascript:alert(1)' })]).includes('URL:'));
  });

  test('the conversation follows the system message, in the room the passages leave', () => {
    const history = [
      { role: 'user' as const, content: 'x'.repeat(30_000) },
      { role: 'assistant' as const, content: 'ok' },
      { role: 'user' as const, content: 'How long do refunds take?' },
    ];
    const long = passage({ content: 'y'.repeat(2_500) });
    const messages = buildGroundedMessages({ systemPrompt: '', history, passages: [long, long], strictness: 'sources_only', unknownAnswer: UNKNOWN });
    assert.equal(messages[0]!.role, 'system');
    // 32,000 characters of budget less 5,000 of passages: the 30,000-character turn no longer fits.
    assert.deepEqual(messages.slice(1), [{ role: 'user', content: 'How long do refunds take?' }]);
    const short = buildGroundedMessages({ systemPrompt: '', history, passages: [passage()], strictness: 'sources_only', unknownAnswer: UNKNOWN });
    assert.equal(short.length, 4);
  });
});

describe('citations', () => {
  test('markers are read in order of first citation, each once, only for passages that exist', () => {
    assert.deepEqual(citedNumbers('Refunds take 14 days [2]. Cards are fine [1][2], see also [3, 1] and [9].', 3), [2, 1, 3]);
    assert.deepEqual(citedNumbers('A [link](https://x.example) and [1](https://y.example) are not citations.', 3), []);
  });

  test('the cited passages become the sources, one per address, the unused ones left out', () => {
    const a = passage();
    const b = passage();
    const sameAddress = passage({ url: a.url });
    const sources = citedSources('See [3] and [2].', [a, b, sameAddress], UNKNOWN);
    assert.deepEqual(sources, [{ id: sameAddress.chunkId, title: 'Billing', url: a.url }, { id: b.chunkId, title: 'Billing', url: b.url }]);
  });

  test('pasted text has no address: one source per source, url null', () => {
    const one = passage({ url: null, sourceId: 'pasted', title: 'Notes' });
    const two = passage({ url: null, sourceId: 'pasted', title: 'Notes' });
    assert.deepEqual(citedSources('[1] [2]', [one, two], UNKNOWN), [{ id: one.chunkId, title: 'Notes', url: null }]);
  });

  test('no marker: the best passages; the unknown-answer sentence: none', () => {
    const ps = [passage(), passage(), passage()];
    assert.deepEqual(citedSources('Refunds take 14 days.', ps, UNKNOWN).map((s) => s.id), [ps[0]!.chunkId, ps[1]!.chunkId]);
    assert.deepEqual(citedSources(`"${UNKNOWN.toUpperCase()}"`, ps, UNKNOWN), []);
    assert.ok(isUnknownAnswer('sorry, I could not find that in our help pages', UNKNOWN));
    assert.deepEqual(citedSources('anything', [], UNKNOWN), []);
  });

  test('sources carry only http(s) links; stored sources are read back defensively', () => {
    assert.equal(linkUrl('mailto:a@b.example'), null);
    assert.equal(linkUrl('HTTPS://Help.Example/a b'), 'https://help.example/a%20b');
    assert.equal(toMessageSources([passage({ url: 'javascript:alert(1)', title: '' , headingPath: 'Only headings' })])[0]!.url, null);
    assert.deepEqual(readMessageSources([{ id: 'c', title: 'T', url: 'javascript:x' }, { id: 1 }, null, { id: 'd', title: 'U', url: 'https://a.example/' }]), [
      { id: 'c', title: 'T', url: null },
      { id: 'd', title: 'U', url: 'https://a.example/' },
    ]);
    assert.equal(readMessageSources(null), undefined);
  });
});

describe('the fallback reply', () => {
  test('says the assistant is unavailable, then quotes the best passages under their linked titles', () => {
    const ps = [passage({ content: 'Refunds take 14 days.\nAlways.' }), passage({ title: 'Notes [internal]', headingPath: '', url: null, content: 'Pasted *text*.' }), passage(), passage()];
    const reply = composeFallback(ps, 'provider_failed');
    assert.equal(
      reply.content,
      [
        'The assistant is unavailable right now. Meanwhile, this from our help content may answer your question:',
        `**[Billing › Refunds](<${ps[0]!.url}>)**\n\n> Refunds take 14 days.\n> Always.`,
        '**Notes \\[internal\\]**\n\n> Pasted *text*.',
        `**[Billing › Refunds](<${ps[2]!.url}>)**\n\n> ${ps[2]!.content}`,
      ].join('\n\n'),
    );
    assert.deepEqual(reply.sources.map((s) => s.id), [ps[0]!.chunkId, ps[1]!.chunkId, ps[2]!.chunkId]);
    assert.match(composeFallback(ps, 'budget_spent').content, /^The assistant is unavailable right now: it has reached its limit for today\./);
  });

  test('without passages it says nothing matches and cites nothing', () => {
    const reply = composeFallback([], 'no_key');
    assert.match(reply.content, /^The assistant is unavailable right now\. Nothing in our help content matches/);
    assert.deepEqual(reply.sources, []);
  });

  test('long passages are cut at a word; titles cannot inject Markdown', () => {
    const cut = excerpt(`${'word '.repeat(200)}end`);
    assert.ok(cut.length <= FALLBACK_PASSAGE_CHARS + 1 && cut.endsWith('word…'), cut.slice(-20));
    assert.equal(escapeMarkdown('a](javascript:x) **b**'), 'a\\]\\(javascript:x\\) \\*\\*b\\*\\*');
  });
});

describe('follow-up rewriting', () => {
  const earlier = [
    { role: 'user' as const, content: 'Do you ship to Germany?' },
    { role: 'assistant' as const, content: 'Yes, in two to four days.' },
  ];

  test('the request shows the conversation as a transcript and asks for the query alone', () => {
    const [system, user] = rewriteMessages(earlier, 'And how much does it cost?');
    assert.equal(system!.role, 'system');
    assert.match(system!.content, /standalone search query/);
    assert.equal(user!.content, 'Conversation:\nVisitor: Do you ship to Germany?\nAssistant: Yes, in two to four days.\n\nLast message: And how much does it cost?\n\nStandalone search query:');
  });

  test("the model's answer is reduced to its query; nothing usable is undefined", () => {
    assert.equal(parseRewrite('\n  Query: "shipping cost to Germany"\nBecause…'), 'shipping cost to Germany');
    assert.equal(parseRewrite('   \n '), undefined);
    assert.equal(parseRewrite('""'), undefined);
    assert.equal(parseRewrite('x'.repeat(400))!.length, 300);
  });

  test('without the model, the previous question joins this one', () => {
    assert.equal(fallbackQuery(earlier, 'And how much?'), 'Do you ship to Germany?\nAnd how much?');
    assert.equal(fallbackQuery([], 'Hello'), 'Hello');
  });
});
