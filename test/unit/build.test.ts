import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { carryOverChunks } from '../../scripts/build.mjs';

function widgetDir(loader: string | undefined, chunks: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-build-'));
  mkdirSync(join(dir, 'chunks'));
  if (loader !== undefined) writeFileSync(join(dir, 'widget.js'), loader);
  for (const chunk of chunks) writeFileSync(join(dir, 'chunks', chunk), `/* ${chunk} */`);
  return dir;
}

test("a rebuild keeps the previous loader's chunks, and only those", () => {
  const previous = widgetDir('load("chunks/panel.1111111111111111.js");load("chunks/katex.2222222222222222.js")', [
    'panel.1111111111111111.js',
    'katex.2222222222222222.js',
    'panel.0000000000000000.js', // an older generation, pinned by no loader still served
  ]);
  const next = widgetDir('load("chunks/panel.3333333333333333.js")', ['panel.3333333333333333.js', 'katex.2222222222222222.js']);
  assert.deepEqual(carryOverChunks(previous, next), ['panel.1111111111111111.js']);
  assert.deepEqual(readdirSync(join(next, 'chunks')).sort(), ['katex.2222222222222222.js', 'panel.1111111111111111.js', 'panel.3333333333333333.js']);
});

test('a first build has nothing to carry over', () => {
  assert.deepEqual(carryOverChunks(widgetDir(undefined, []), widgetDir('x', [])), []);
});
