import { count, when } from '../lib/format.js';
import { failedFirst, webHref, type KnowledgeDocument } from '../lib/knowledge.js';
import { StatusBadge } from './source-status.js';

interface Props {
  documents: KnowledgeDocument[];
  unit: 'page' | 'document';
  onlyFailed: boolean;
  setOnlyFailed(only: boolean): void;
  failedCount: number;
}

/** A source's pages or documents, failed ones first, each failure with its reason. */
export function DocumentList({ documents, unit, onlyFailed, setOnlyFailed, failedCount }: Props) {
  const heading = unit === 'page' ? 'Pages' : 'Documents';
  return (
    <section aria-labelledby="documents-heading">
      <h2 id="documents-heading">{heading}</h2>
      {(failedCount > 0 || onlyFailed) && (
        <div class="field checkbox">
          <input id="only-failed" type="checkbox" checked={onlyFailed} onChange={(e) => setOnlyFailed(e.currentTarget.checked)} />
          <label for="only-failed">Show only the failed {heading.toLowerCase()}</label>
        </div>
      )}
      {documents.length === 0 ? (
        <p class="empty">{onlyFailed ? `No failed ${heading.toLowerCase()}.` : `No ${heading.toLowerCase()} yet: they appear once the source has been read.`}</p>
      ) : (
        <ul class="documents">
          {failedFirst(documents).map((d) => {
            const href = webHref(d.url);
            return (
              <li key={d.id}>
                <p class="source-title">
                  {href ? (
                    <a href={href} target="_blank" rel="noopener noreferrer">
                      {d.title || d.url}
                    </a>
                  ) : (
                    <span>{d.title}</span>
                  )}{' '}
                  <StatusBadge status={d.status} />
                </p>
                {href && d.title && <p class="meta">{d.url}</p>}
                {d.status === 'failed' && d.error && <p class="field-error">{d.error}</p>}
                <p class="meta">
                  {count(d.chunkCount, 'chunk')} · read {when(d.fetchedAt)}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
