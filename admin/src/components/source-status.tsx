import { progressText, STATUS_LABEL, type KnowledgeSource, type KnowledgeStatus } from '../lib/knowledge.js';

/** The status as a word in a coloured badge: the colour repeats the word, it never replaces it. */
export function StatusBadge({ status }: { status: KnowledgeStatus }) {
  return <span class={`badge status-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** Where a sync is ("12 of 40 pages", with a bar when the total is known), or why it failed. */
export function SourceProgress({ source }: { source: KnowledgeSource }) {
  const text = progressText(source);
  const { done, total } = source.progress;
  return (
    <>
      {text && (
        <p class="progress">
          {source.status === 'processing' && total !== null && total > 0 && <progress value={done} max={total} aria-hidden="true" />}
          {text}
        </p>
      )}
      {source.status === 'failed' && source.error && <p class="field-error">{source.error}</p>}
    </>
  );
}
