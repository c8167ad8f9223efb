import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { carryOverChunks } from '../../scripts/build.mjs';
import { fontFileName } from '../../scripts/vite-katex.js';

test("a KaTeX font is named by its content: same bytes, same name; other bytes, another name; KaTeX's name kept", () => {
  const bytes = Buffer.from('wOF2 font bytes');
  const name = fontFileName('KaTeX_Main-Regular.woff2', bytes);
  assert.match(name, /^KaTeX_Main-Regular\.[0-9a-f]{16}\.woff2$/);
  assert.equal(fontFileName('KaTeX_Main-Regular.woff2', Buffer.from(bytes)), name);
  assert.notEqual(fontFileName('KaTeX_Main-Regular.woff2', Buffer.concat([bytes, Buffer.from([0])])), name);
  for (const bad of ['KaTeX_Main-Regular.woff', '../KaTeX_Main-Regular.woff2', 'Other.woff2']) assert.throws(() => fontFileName(bad, bytes), /unexpected name/, bad);
});

test("a rebuild keeps the fonts the previous loader's KaTeX chunk names, beside the new build's", () => {
  const dir = (loader: string, chunks: Record<string, string>, fonts: string[]) => {
    const d = mkdtempSync(join(tmpdir(), 'parley-build-fonts-'));
    mkdirSync(join(d, 'chunks'));
    mkdirSync(join(d, 'fonts'));
    writeFileSync(join(d, 'widget.js'), loader);
    for (const [file, text] of Object.entries(chunks)) writeFileSync(join(d, 'chunks', file), text);
    for (const font of fonts) writeFileSync(join(d, 'fonts', font), font);
    return d;
  };
  const oldFont = 'KaTeX_Main-Regular.1111111111111111.woff2';
  const newFont = 'KaTeX_Main-Regular.2222222222222222.woff2';
  const previous = dir('load("katex.aaaaaaaaaaaaaaaa.js")', { 'katex.aaaaaaaaaaaaaaaa.js': `url("fonts/${oldFont}")` }, [oldFont, 'KaTeX_Math-Italic.3333333333333333.woff2']);
  const next = dir('load("katex.bbbbbbbbbbbbbbbb.js")', { 'katex.bbbbbbbbbbbbbbbb.js': `url("fonts/${newFont}")` }, [newFont]);
  assert.deepEqual(carryOverChunks(previous, next), ['katex.aaaaaaaaaaaaaaaa.js', `fonts/${oldFont}`]);
  assert.deepEqual(readdirSync(join(next, 'fonts')).sort(), [oldFont, newFont]);
});
