import { join } from 'node:path';
import semver from 'semver';
import type { Logger } from '../logging.js';
import { pinnedTag, rollingTag } from '../widget-assets/embed-tags.js';
import { readManifest, SEMVER, type Manifest } from '../widget-assets/release-manifest.js';

export interface Snippets {
  rolling: { url: string; html: string };
  pinned: { version: string; url: string; integrity: string; html: string } | null;
}

/**
 * The embed tags for a workspace, exactly as the README and `npm run release` print
 * them (docs/releases.md): the rolling loader, and the newest published version pinned
 * with its SHA-384, or null when nothing is published.
 */
export function embedSnippets(input: { publicUrl: string; releaseDir: string; publicId: string; logger: Logger }): Snippets {
  const origin = input.publicUrl.replace(/\/+$/, '');
  const rolling = { url: `${origin}/widget.js`, html: rollingTag(origin, input.publicId) };
  let manifest: Manifest;
  try {
    manifest = readManifest(join(input.releaseDir, 'widget'));
  } catch (err) {
    input.logger.warn({ err }, 'the release manifest cannot be read; no pinned snippet');
    return { rolling, pinned: null };
  }
  const version = newestVersion(Object.keys(manifest.versions));
  if (!version) return { rolling, pinned: null };
  const { integrity } = manifest.versions[version]!;
  return { rolling, pinned: { version, url: `${origin}/widget/v${version}.js`, integrity, html: pinnedTag(origin, version, integrity, input.publicId) } };
}

/** The highest version by semver precedence; a pre-release only when no final version is published. */
export function newestVersion(versions: readonly string[]): string | undefined {
  const valid = versions.filter((v) => SEMVER.test(v));
  const finals = valid.filter((v) => semver.prerelease(v) === null);
  return semver.rsort([...(finals.length > 0 ? finals : valid)])[0];
}
