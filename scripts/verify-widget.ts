// `npm run verify-widget -- URL [--version X.Y.Z]`: fetches every pinned version in the
// local RELEASE_DIR/widget/manifest.json (or one) and its chunks from a Parley server,
// recomputes their SHA-384 and compares them with the manifest. One line per file
// (ok, DIFFERENT or missing); exit 0 only when every file is equal.
import { join } from 'node:path';
import { loadReleaseConfig } from '../server/config.js';
import { SEMVER, readManifest } from '../server/widget-assets/release-manifest.js';
import { sri } from './publish-widget.js';

const USAGE = 'usage: npm run verify-widget -- https://chat.example.com [--version 1.2.3]';

/** The origin to check: an http(s) URL without path, query or credentials. */
function parseTarget(text: string | undefined): string {
  if (!text || !URL.canParse(text)) throw new Error(`not a URL: ${text ?? '(none)'}; ${USAGE}`);
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`only http:// and https:// URLs are accepted, not ${url.protocol}`);
  if (url.username || url.password || url.search || url.hash || url.pathname.replace(/\/+$/, '') !== '') {
    throw new Error(`give the Parley origin only (such as https://chat.example.com), not ${text}`);
  }
  return url.origin;
}

async function check(origin: string, file: string, integrity: string): Promise<boolean> {
  const url = `${origin}/widget/${file}`;
  let bytes: Buffer;
  try {
    const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(20_000) });
    if (!res.ok) {
      console.log(`missing    ${url} (HTTP ${res.status})`);
      return false;
    }
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    console.log(`missing    ${url} (${(err as Error).message})`);
    return false;
  }
  const got = sri(bytes);
  if (got !== integrity) {
    console.log(`DIFFERENT  ${url} expected ${integrity}, got ${got}`);
    return false;
  }
  console.log(`ok         ${url}`);
  return true;
}

async function main(args: string[]): Promise<number> {
  const at = args.indexOf('--version');
  const only = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !(only && SEMVER.test(only))) throw new Error(`--version needs a version such as 1.2.3; ${USAGE}`);
  const rest = args.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
  if (rest.length !== 1) throw new Error(USAGE);
  const origin = parseTarget(rest[0]);
  const { releaseDir } = loadReleaseConfig();
  const { versions } = readManifest(join(releaseDir, 'widget'));
  const chosen = only ? [only] : Object.keys(versions);
  if (chosen.length === 0) throw new Error(`${join(releaseDir, 'widget', 'manifest.json')} lists no version; run npm run release first`);
  const files = new Map<string, string>();
  for (const version of chosen) {
    const entry = versions[version];
    if (!entry) throw new Error(`v${version} is not in ${join(releaseDir, 'widget', 'manifest.json')}`);
    for (const f of [entry, ...entry.chunks]) files.set(f.file, f.integrity);
  }
  let allEqual = true;
  for (const [file, integrity] of files) allEqual = (await check(origin, file, integrity)) && allEqual;
  console.log(allEqual ? `all ${files.size} files equal to the local manifest` : 'some files differ from the local manifest or are missing');
  return allEqual ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  console.error(`verify-widget: ${(err as Error).message}`);
  process.exitCode = 2;
}
