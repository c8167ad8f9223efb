/** What the embedding tag says: the Parley origin (from its own URL, nothing else) and the workspace. */
export interface Embed {
  origin: string;
  workspace: string;
}

const PUBLIC_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The rolling loader's path, or a pinned one's (server/widget-assets/release-manifest.ts has the strict semver). */
const LOADER_PATH = /\/widget(?:\.js|\/v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?\.js)$/;

/**
 * Reads the embed from the running script's own tag: `document.currentScript`
 * while the script first runs, else the tag whose src path ends with /widget.js
 * (rolling) or /widget/v<version>.js (pinned) and has data-workspace. The API origin is the script URL's origin; no attribute
 * or global can point the widget anywhere else.
 */
export function findEmbed(doc: Document): Embed | undefined {
  const current = doc.currentScript;
  const candidates =
    current instanceof HTMLScriptElement && current.src
      ? [current]
      : [...doc.querySelectorAll<HTMLScriptElement>('script[src][data-workspace]')].filter((s) => {
          try {
            return LOADER_PATH.test(new URL(s.src).pathname);
          } catch {
            return false;
          }
        });
  for (const script of candidates) {
    const workspace = script.getAttribute('data-workspace') ?? '';
    let url: URL;
    try {
      url = new URL(script.src);
    } catch {
      continue;
    }
    if ((url.protocol === 'https:' || url.protocol === 'http:') && PUBLIC_ID.test(workspace)) {
      return { origin: url.origin, workspace };
    }
  }
  return undefined;
}
