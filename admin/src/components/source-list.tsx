import { count, when } from '../lib/format.js';
import { documentsText, KIND_LABEL, megabytes, type KnowledgeSource } from '../lib/knowledge.js';
import { SourceActions } from './source-actions.js';
import { SourceProgress, StatusBadge } from './source-status.js';

interface Props {
  sources: KnowledgeSource[];
  /** The panel path of the workspace's Knowledge page, /admin/w/:id/knowledge. */
  base: string;
  /** The API path of the sources, /workspaces/:id/knowledge/sources; null hides the actions (not an admin). */
  apiPath: string | null;
  onChanged(source: KnowledgeSource): void;
  onDeleted(source: KnowledgeSource): void;
}

/** Every source with its status, counts and sync times; re-sync and delete for admins. */
export function SourceList({ sources, base, apiPath, onChanged, onDeleted }: Props) {
  if (sources.length === 0) return <p class="empty">No sources yet: the assistant answers from its instructions alone.</p>;
  return (
    <ul class="sources">
      {sources.map((s) => (
        <li key={s.id} aria-labelledby={`source-${s.id}`}>
          <div class="source-main">
            <p class="source-title">
              <a id={`source-${s.id}`} href={`${base}/${s.id}`}>
                {s.title}
              </a>{' '}
              <StatusBadge status={s.status} />
            </p>
            <p class="meta">
              {KIND_LABEL[s.kind]}
              {s.url && ` · ${s.url}`}
              {s.fileName && ` · ${s.fileName}`}
              {s.fileSize !== null && ` (${megabytes(s.fileSize)})`}
            </p>
            <SourceProgress source={s} />
            <p class="meta">
              {documentsText(s)} · {count(s.chunkCount, 'chunk')} · last synced {when(s.lastSyncedAt)}
              {(s.kind === 'url' || s.kind === 'sitemap') && ` · next sync ${s.nextSyncAt ? when(s.nextSyncAt) : 'by hand only'}`}
            </p>
          </div>
          {apiPath && <SourceActions path={`${apiPath}/${s.id}`} source={s} onSynced={onChanged} onDeleted={onDeleted} />}
        </li>
      ))}
    </ul>
  );
}
