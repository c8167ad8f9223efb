import { useEffect, useRef, useState } from 'preact/hooks';
import { AddSource } from '../components/add-source.js';
import { KnowledgeSettingsForm } from '../components/knowledge-settings.js';
import { SourceList } from '../components/source-list.js';
import { Async, LiveStatus } from '../components/status.js';
import { TestConsole } from '../components/test-console.js';
import { count } from '../lib/format.js';
import { finished, isBusy, type KnowledgeSettingsAnswer, type KnowledgeSource } from '../lib/knowledge.js';
import { atLeast } from '../lib/roles.js';
import { useApi } from '../lib/use-api.js';
import { usePolling } from '../lib/use-polling.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** The workspace's knowledge API path. */
export const knowledgePath = (props: Pick<WorkspaceProps, 'workspace'>, rest = '') => wsPath(props.workspace, `/knowledge${rest}`);

/** The content replies are grounded in: sources and their status, adding them, a test console, the settings. */
export function KnowledgePage(props: WorkspaceProps) {
  const { workspace, role } = props;
  const canManage = atLeast(role, 'admin');
  const sources = useApi<{ sources: KnowledgeSource[] }>(knowledgePath(props, '/sources'));
  const settings = useApi<KnowledgeSettingsAnswer>(knowledgePath(props, '/settings'));
  const [status, setStatus] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const list = sources.data?.sources;
  usePolling(list?.some(isBusy) ?? false, sources.loading, sources.reload);

  // Say when a sync ends, for those who cannot see the badge change.
  const previous = useRef<KnowledgeSource[] | undefined>(undefined);
  useEffect(() => {
    if (!list) return;
    const news = finished(previous.current, list);
    if (news.length > 0) setStatus(news.join(' '));
    previous.current = list;
  }, [list]);

  // Show the change at once, then ask again: an answer already on its way predates it and is dropped.
  const show = (next: KnowledgeSource[]) => {
    sources.set({ sources: next });
    sources.reload();
  };
  const vector = settings.data?.vector;
  return (
    <>
      <h1>Knowledge</h1>
      <p class="hint">The assistant answers from these sources and cites them under its replies. Each is split into passages (chunks) that are searched for every question.</p>
      {vector && !vector.available && (
        <p class="notice" role="note">
          Vector search is not available on this server{vector.reason ? `: ${vector.reason}` : '.'} Questions are matched by their words only (full-text search) until it is.
        </p>
      )}
      <section aria-labelledby="sources-heading">
        <h2 id="sources-heading" ref={heading} tabIndex={-1}>
          Sources
        </h2>
        <Async state={sources} label="Loading the sources…">
          {(data) => (
            <SourceList
              sources={data.sources}
              base={`/admin/w/${workspace.id}/knowledge`}
              apiPath={canManage ? knowledgePath(props, '/sources') : null}
              onChanged={(source) => {
                show(data.sources.map((s) => (s.id === source.id ? source : s)));
                setStatus(`Re-sync of “${source.title}” started.`);
              }}
              onDeleted={(source) => {
                show(data.sources.filter((s) => s.id !== source.id));
                setStatus(`Deleted “${source.title}” and its ${count(source.chunkCount, 'chunk')}.`);
                setTimeout(() => heading.current?.focus(), 0);
              }}
            />
          )}
        </Async>
        <LiveStatus text={status} />
      </section>
      {canManage && (
        <section aria-labelledby="add-source-heading">
          <h2 id="add-source-heading">Add a source</h2>
          <AddSource
            path={knowledgePath(props, '/sources')}
            onAdded={(source) => {
              show([source, ...(list ?? [])]);
              setStatus(`Added “${source.title}”. It is being read now; its status above changes when it is ready.`);
            }}
          />
        </section>
      )}
      <section aria-labelledby="console-heading">
        <h2 id="console-heading">Test console</h2>
        <TestConsole path={knowledgePath(props, '/search')} />
      </section>
      <section aria-labelledby="knowledge-settings-heading">
        <h2 id="knowledge-settings-heading">Settings</h2>
        <Async state={settings} label="Loading the knowledge settings…">
          {(answer) => <KnowledgeSettingsForm path={knowledgePath(props, '/settings')} answer={answer} canEdit={canManage} onSaved={settings.set} />}
        </Async>
      </section>
    </>
  );
}
