import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** A version as package.json and the pinned URL spell it: strict semver 2.0.0, no leading v, no build metadata. */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;

/** `v<semver>.js`, the file name of a pinned loader in RELEASE_DIR/widget/; group 1 is the version. */
export const PINNED_FILE = new RegExp(`^v(${SEMVER.source.slice(1, -1)})\\.js$`);

const integrity = z.string().regex(/^sha384-[A-Za-z0-9+/]{64}$/);

const publishedFile = z.object({
  /** Path relative to RELEASE_DIR/widget/: `v1.2.3.js`, `chunks/panel.<hash>.js`. */
  file: z.string().min(1),
  integrity,
  size: z.number().int().nonnegative(),
});

const publishedVersion = publishedFile.extend({
  /** When `npm run release` first published it (ISO 8601); the bytes do not depend on it. */
  builtAt: z.string(),
  chunks: z.array(publishedFile),
});

/** RELEASE_DIR/widget/manifest.json: every published version, never removed or rewritten. */
export const manifestSchema = z.object({ versions: z.record(z.string().regex(SEMVER), publishedVersion) });

export type Manifest = z.infer<typeof manifestSchema>;
export type PublishedVersion = z.infer<typeof publishedVersion>;
export type PublishedFile = z.infer<typeof publishedFile>;

export const MANIFEST_FILE = 'manifest.json';

/** Reads a release directory's manifest: empty when none was published yet; throws when it is not a valid manifest. */
export function readManifest(widgetReleaseDir: string): Manifest {
  let text: string;
  try {
    text = readFileSync(join(widgetReleaseDir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { versions: {} };
    throw err;
  }
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${join(widgetReleaseDir, MANIFEST_FILE)} is not a valid release manifest: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}
