import { useEffect, useState } from 'preact/hooks';
import { DocumentList } from '../components/document-list.js';
import { SourceActions } from '../components/source-actions.js';
import { SourceEditForm } from '../components/source-edit-form.js';
import { SourceProgress, StatusBadge } from '../components/source-status.js';
import { LiveStatus, LoadError, Loading } from '../components/status.js';
import { focusHeading } from '../lib/focus.js';
import { count, when } from '../lib/format.js';
import { documentsText, isBusy, KIND_LABEL, megabytes, webHref, type KnowledgeDocument, type KnowledgeSource } from '../lib/knowledge.js';
import { atLeast } from '../lib/roles.js';
import { navigate } from '../lib/router.js';
import { useApi } from '../lib/use-api.js';
import { usePolling } from '../lib/use-polling.js';
import { knowledgePath } from './knowledge.js';
import type { WorkspaceProps } from './workspace.js';

/** One source: its facts, its pages or documents (failed ones first, with their reasons), and for admins its actions. */
export function KnowledgeSourcePage(props: WorkspaceProps & { sourceId: string }) {
  const { workspace, role, sourceId } = props;
  const [onlyFailed, setOnlyFailed] = useState(false);
  const [status, setStatus] = useState('');
  const path = knowledgePath(props, `/sources/${encodeURIComponent(sourceId)}`);
  const state = useApi<{ source: KnowledgeSource; documents: KnowledgeDocument[] }>(onlyFailed ? `${path}?status=failed` : path);
  const source = state.data?.source;
  usePolling(source ? isBusy(source) : false, state.loading, state.reload);
  // The placeholder heading gives way to the source's title: name the tab after it.
  const loaded = source !== undefined;
  useEffect(() => {
    if (loaded) focusHeading({ onlyIfLost: true });
  }, [loaded]);
  const back = (
    <p>
      <a href={`/admin/w/${workspace.id}/knowledge`}>All sources</a>
    </p>
  );
  if (!state.data || !source) {
    return (
      <>
        {back}
        <h1>Knowledge source</h1>
        {state.error ? <LoadError error={state.error} retry={state.reload} /> : <Loading />}
      </>
    );
  }
  const { documents } = state.data;
  const href = webHref(source.url);
  const web = source.kind === 'url' || source.kind === 'sitemap';
  return (
    <>
      {back}
      <h1>{source.title}</h1>
      <p>
        <StatusBadge status={source.status} />
      </p>
      <SourceProgress source={source} />
      <dl class="facts">
        <dt>Kind</dt>
        <dd>{KIND_LABEL[source.kind]}</dd>
        {source.url && (
          <>
            <dt>Address</dt>
            <dd>{href ? <a href={href} target="_blank" rel="noopener noreferrer">{source.url}</a> : source.url}</dd>
          </>
        )}
        {source.fileName && (
          <>
            <dt>File</dt>
            <dd>
              {source.fileName}
              {source.fileSize !== null && ` (${megabytes(source.fileSize)})`}
            </dd>
          </>
        )}
        <dt>Content</dt>
        <dd>
          {documentsText(source)}, {count(source.chunkCount, 'chunk')}
        </dd>
        <dt>Last synced</dt>
        <dd>{when(source.lastSyncedAt)}</dd>
        {web && (
          <>
            <dt>Next sync</dt>
            <dd>{source.nextSyncAt ? `${when(source.nextSyncAt)} (every ${count(source.syncIntervalHours ?? 0, 'hour')})` : 'Only when re-synced by hand'}</dd>
          </>
        )}
        <dt>Added</dt>
        <dd>{when(source.createdAt)}</dd>
      </dl>
      {atLeast(role, 'admin') && (
        <>
          <SourceActions
            path={path}
            source={source}
            onSynced={(next) => {
              state.set({ source: next, documents });
              state.reload();
              setStatus(`Re-sync of “${next.title}” started.`);
            }}
            onDeleted={() => navigate(`/w/${workspace.id}/knowledge`, { replace: true })}
          />
          <LiveStatus text={status} />
          <SourceEditForm
            path={path}
            source={source}
            onSaved={(next) => {
              state.set({ source: next, documents });
              setStatus('Source saved.');
            }}
          />
        </>
      )}
      <DocumentList documents={documents} unit={web ? 'page' : 'document'} onlyFailed={onlyFailed} setOnlyFailed={setOnlyFailed} failedCount={source.failedCount} />
    </>
  );
}
