import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import { clientGone, openEventStream } from '../../server/http/event-stream.js';

test('events arrive one by one as they are sent, with ping comments while quiet; a client hanging up aborts the signal', async () => {
  let aborted: Promise<void> | undefined;
  const app = express().get('/stream', (_req, res) => {
    const signal = clientGone(res);
    aborted = new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
    const stream = openEventStream(res, 30);
    stream.send('first', { n: 1, text: 'two\nlines' });
    setTimeout(() => stream.send('second', { n: 2 }), 100);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`, { signal: controller.signal });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    const reader = res.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    const first = await reader.read();
    text += decoder.decode(first.value);
    // The first event is on the wire before the second one exists.
    assert.equal(text, 'event: first\ndata: {"n":1,"text":"two\\nlines"}\n\n');
    while (!text.includes('event: second')) text += decoder.decode((await reader.read()).value);
    assert.ok((text.match(/^: ping$/gm) ?? []).length >= 2, text);
    controller.abort();
    await aborted;
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('events sent in one turn of the event loop go out in one write, in order; end() writes what is left with the end', async () => {
  const writes: string[] = [];
  const app = express().get('/stream', (_req, res) => {
    const write = res.write.bind(res) as (chunk: string) => boolean;
    res.write = ((chunk: string) => (writes.push(String(chunk)), write(chunk))) as typeof res.write;
    const stream = openEventStream(res, 60_000);
    stream.send('delta', { text: 'a' });
    stream.send('delta', { text: 'b' });
    setTimeout(() => {
      stream.send('delta', { text: 'c' });
      stream.send('done', {});
      stream.end();
    }, 20);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`);
    const text = await res.text();
    assert.equal(text, 'event: delta\ndata: {"text":"a"}\n\nevent: delta\ndata: {"text":"b"}\n\nevent: delta\ndata: {"text":"c"}\n\nevent: done\ndata: {}\n\n');
    assert.deepEqual(writes, ['event: delta\ndata: {"text":"a"}\n\nevent: delta\ndata: {"text":"b"}\n\n'], 'the first two together; the rest with end()');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
