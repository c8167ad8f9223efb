// Publishes a built widget (scripts/build-widget.mjs) into RELEASE_DIR/widget/ as a
// pinned version. A published file is never rewritten (DESIGN.md rule 7): everything
// is checked before anything is written, and a refusal leaves the directory as it was.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHUNK_FILE } from '../server/widget-assets/widget-bundle.js';
import { MANIFEST_FILE, SEMVER, readManifest, type Manifest, type PublishedFile } from '../server/widget-assets/release-manifest.js';
import { pinnedTag, rollingTag } from '../server/widget-assets/embed-tags.js';

/** Publishing would change a published file; the message is one line naming both hashes. */
export class ReleaseRefused extends Error {
  override name = 'ReleaseRefused';
}

export interface PublishResult {
  /** published: new version; identical: this version was already published with these bytes. */
  status: 'published' | 'identical';
  version: string;
  entry: Manifest['versions'][string];
  /** Files written, relative to RELEASE_DIR/widget/ (an identical re-release restores only missing ones). */
  written: string[];
}

export const sri = (bytes: Buffer) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/** Publishes buildDir (widget.js, chunks/, fonts/) as version into releaseDir/widget/. */
export function publishWidget({ buildDir, releaseDir, version, now = new Date() }: { buildDir: string; releaseDir: string; version: string; now?: Date }): PublishResult {
  if (!SEMVER.test(version)) throw new ReleaseRefused(`"${version}" is not a semver version (package.json "version")`);
  const out = join(releaseDir, 'widget');
  const manifest = readManifest(out);
  const loader = readFileSync(join(buildDir, 'widget.js'));
  const loaderFile = `v${version}.js`;
  const chunks = readdirSync(join(buildDir, 'chunks')).filter((f) => CHUNK_FILE.test(f)).sort();
  const fonts = existsSync(join(buildDir, 'fonts')) ? readdirSync(join(buildDir, 'fonts')).sort() : [];

  const published = manifest.versions[version];
  const onDisk = existsSync(join(out, loaderFile)) ? sri(readFileSync(join(out, loaderFile))) : undefined;
  const built = sri(loader);
  if (published && published.integrity !== built) {
    throw new ReleaseRefused(
      `v${version} is already published as ${published.integrity}; this build is ${built}. A published version is never rewritten: raise "version" in package.json.`,
    );
  }
  if (onDisk && onDisk !== built) {
    const listed = published ? ' (its manifest entry matches this build: the file was altered)' : '';
    throw new ReleaseRefused(`v${version} is already published as ${onDisk}${listed}; this build is ${built}. A published file is never rewritten.`);
  }

  // Everything to write, after checking that no existing file would change.
  const writes: { path: string; bytes: Buffer }[] = [];
  const plan = (path: string, bytes: Buffer) => {
    const target = join(out, path);
    if (!existsSync(target)) writes.push({ path, bytes });
    else if (!readFileSync(target).equals(bytes)) {
      throw new ReleaseRefused(`${path} is already published as ${sri(readFileSync(target))}; this build's is ${sri(bytes)}. Published files are never rewritten.`);
    }
  };
  const chunkEntries: PublishedFile[] = chunks.map((name) => {
    const bytes = readFileSync(join(buildDir, 'chunks', name));
    plan(`chunks/${name}`, bytes);
    return { file: `chunks/${name}`, integrity: sri(bytes), size: bytes.length };
  });
  for (const name of fonts) plan(`fonts/${name}`, readFileSync(join(buildDir, 'fonts', name)));
  plan(loaderFile, loader);

  const entry = published ?? { file: loaderFile, integrity: built, size: loader.length, builtAt: now.toISOString(), chunks: chunkEntries };
  // The loader last, then the manifest: a version is listed only once all its files are in place.
  for (const { path, bytes } of writes) writeAtomically(join(out, path), bytes);
  if (!published) {
    const next: Manifest = { versions: { ...manifest.versions, [version]: entry } };
    writeAtomically(join(out, MANIFEST_FILE), Buffer.from(`${JSON.stringify(next, null, 2)}\n`));
  }
  return { status: published ? 'identical' : 'published', version, entry, written: writes.map((w) => w.path).concat(published ? [] : [MANIFEST_FILE]) };
}

/** Temp file beside the target, then rename: a reader sees the old file or the whole new one. */
function writeAtomically(path: string, bytes: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(temp, bytes, { flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** The rolling and pinned embed tags for a Parley origin. */
export function embedSnippets(origin: string, version: string, integrity: string): { rolling: string; pinned: string } {
  return { rolling: rollingTag(origin, 'PUBLIC_ID'), pinned: pinnedTag(origin, version, integrity, 'PUBLIC_ID') };
}
