import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSources, sourceHref } from '../../widget/lib/sources.js';

test("the widget reads a reply's sources defensively and links only http(s) addresses", () => {
  assert.deepEqual(readSources([{ id: 'a', title: 'Refunds', url: 'https://help.example/refunds' }, { id: 'b', title: 'Notes', url: null }, { id: 3 }, 'x', null]), [
    { id: 'a', title: 'Refunds', url: 'https://help.example/refunds' },
    { id: 'b', title: 'Notes', url: null },
  ]);
  assert.equal(readSources(undefined), undefined);
  assert.equal(sourceHref('https://help.example/a'), 'https://help.example/a');
  assert.equal(sourceHref('javascript:alert(1)'), undefined);
  assert.equal(sourceHref('mailto:help@example.com'), undefined);
  assert.equal(sourceHref('/relative'), undefined);
  assert.equal(sourceHref(null), undefined);
});
