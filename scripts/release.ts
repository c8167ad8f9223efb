// `npm run release`: builds the widget from this tree into a temporary directory and
// publishes it as v<package.json version> into RELEASE_DIR/widget/ (scripts/publish-widget.ts),
// then prints the embed tags. Exit 1, with nothing written, when that would rewrite a published file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadReleaseConfig } from '../server/config.js';
import { buildWidgetInto } from './build-widget.mjs';
import { embedSnippets, publishWidget } from './publish-widget.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const buildDir = mkdtempSync(join(tmpdir(), 'parley-release-'));
try {
  const { releaseDir, publicUrl } = loadReleaseConfig();
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  await buildWidgetInto(buildDir, { logLevel: 'warn' });
  const result = publishWidget({ buildDir, releaseDir, version });
  const where = join(releaseDir, 'widget', result.entry.file);
  if (result.status === 'identical') {
    const restored = result.written.length ? ` (restored missing ${result.written.join(', ')})` : '';
    console.log(`v${version} already published, identical: ${where} ${result.entry.integrity}${restored}`);
  } else {
    console.log(`published v${version}: ${where} (${result.entry.size} bytes, ${result.entry.chunks.length} chunks) ${result.entry.integrity}`);
  }
  const snippets = embedSnippets(publicUrl ?? 'http://127.0.0.1:3000', version, result.entry.integrity);
  console.log(`\nRolling (every fix at once):\n${snippets.rolling}\n\nPinned to v${version} (the browser refuses any other bytes):\n${snippets.pinned}`);
} catch (err) {
  console.error(`release: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  rmSync(buildDir, { recursive: true, force: true });
}
