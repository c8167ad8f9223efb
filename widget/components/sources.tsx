import type { Strings } from '../lib/i18n.js';
import { sourceHref, type Source } from '../lib/sources.js';

/**
 * The pages a reply cites, under it: links open in a new tab (http(s) only, as in replies),
 * texts without an address are plain labels. Ordinary links, so Tab reaches each one.
 */
export function Sources({ sources, strings }: { sources: readonly Source[]; strings: Strings }) {
  return (
    <div class="sources">
      <span class="sources-label" aria-hidden="true">{strings.sources}</span>
      <ul aria-label={strings.sources}>
        {sources.map((s, i) => {
          const href = sourceHref(s.url);
          return (
            <li key={`${i}:${s.id}`}>
              {href ? (
                <a href={href} target="_blank" rel="noopener noreferrer">
                  {s.title}
                </a>
              ) : (
                <span class="source-text">{s.title}</span>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
