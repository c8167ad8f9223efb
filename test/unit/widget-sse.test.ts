import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readSse, SseParser, type SseEvent } from '../../widget/lib/sse.js';

const STREAM = [
  ': ping',
  '',
  'event: accepted',
  'data: {"id":"u1"}',
  '',
  'event: delta',
  'data: {"text":"Hel"}',
  '',
  'event: delta',
  'data: {"text":"lo!\\n"}',
  '',
  'data: first line',
  'data: second line',
  '',
  'event: done',
  'data: {"id":"a1","status":"complete"}',
  '',
  '',
].join('\n');

const EXPECTED: SseEvent[] = [
  { event: 'accepted', data: '{"id":"u1"}' },
  { event: 'delta', data: '{"text":"Hel"}' },
  { event: 'delta', data: '{"text":"lo!\\n"}' },
  { event: 'message', data: 'first line\nsecond line' },
  { event: 'done', data: '{"id":"a1","status":"complete"}' },
];

function parseInPieces(text: string, cuts: number[]): SseEvent[] {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  return out;
}

describe('the widget SSE parser', () => {
  test('parses a whole stream: named events, unnamed ones as message, multi-line data, comments ignored', () => {
    assert.deepEqual(parseInPieces(STREAM, []), EXPECTED);
  });

  test('gives the same events however the stream is split into chunks', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      assert.deepEqual(parseInPieces(STREAM, [i]), EXPECTED, `split at ${i}`);
    }
    assert.deepEqual(parseInPieces(STREAM, [...STREAM].map((_, i) => i)), EXPECTED, 'one character at a time');
  });

  test('accepts CRLF and CR line endings, also with CRLF split across chunks', () => {
    for (const eol of ['\r\n', '\r']) {
      const text = STREAM.replace(/\n/g, eol);
      for (let i = 0; i <= text.length; i++) assert.deepEqual(parseInPieces(text, [i]), EXPECTED, `${JSON.stringify(eol)} split at ${i}`);
    }
  });

  test('strips one space after the colon only; a field without a colon has an empty value; id and retry are ignored', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('event:delta\nid: 7\nretry: 10\ndata:  two spaces\ndata\n\n'), [{ event: 'delta', data: ' two spaces\n' }]);
  });

  test('an event without data is not dispatched, and an unterminated one is dropped at the end', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('event: done\n\ndata: cut off'), []);
    parser.end();
    assert.deepEqual(parser.push('\n'), []);
  });

  test('readSse decodes a byte stream, including UTF-8 characters split between chunks', async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: {"text":"€ ∫ 😀"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const e of readSse(body)) events.push(e);
    assert.deepEqual(events, [{ event: 'delta', data: '{"text":"€ ∫ 😀"}' }]);
  });

  test('stopping early cancels the body', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: x\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const events = readSse(body);
    await events.next();
    await events.return(undefined);
    assert.equal(cancelled, true);
  });
});
