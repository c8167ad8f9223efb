import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';

const run = promisify(execFile);

/** Every file under dir, by relative path, with its SHA-384. */
function digests(dir: string): Record<string, string> {
  const files = readdirSync(dir, { recursive: true }).map(String).sort();
  const out: Record<string, string> = {};
  for (const f of files) {
    try {
      out[f] = createHash('sha384').update(readFileSync(join(dir, f))).digest('base64');
    } catch {
      // A directory.
    }
  }
  return out;
}

describe('the widget build', () => {
  test('is reproducible: two builds of the same tree give the same bytes, file for file', async () => {
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'parley-widget-build-')));
    try {
      await Promise.all(dirs.map((d) => run(process.execPath, ['scripts/build-widget.mjs', d])));
      const [first, second] = dirs.map(digests);
      assert.ok(Object.keys(first!).includes('widget.js'));
      assert.equal(Object.keys(first!).filter((f) => f.startsWith('chunks')).length, 2);
      assert.deepEqual(second, first);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
