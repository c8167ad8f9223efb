import { useEffect } from 'preact/hooks';
import { LoadError, Loading } from '../components/status.js';
import { focusHeading } from '../lib/focus.js';
import { atLeast } from '../lib/roles.js';
import { match } from '../lib/router.js';
import type { Role, Workspace } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import { ApiKeysPage } from './api-keys.js';
import { AuditPage } from './audit.js';
import { ConversationPage } from './conversation.js';
import { ConversationsPage } from './conversations.js';
import { KnowledgePage } from './knowledge.js';
import { KnowledgeSourcePage } from './knowledge-source.js';
import { MembersPage } from './members.js';
import { NotFoundPage } from './not-found.js';
import { OverviewPage } from './overview.js';
import { ProviderKeyPage } from './provider-key.js';
import { WidgetSettingsPage } from './widget-settings.js';
import { WorkspaceSettingsPage } from './workspace-settings.js';

/** What every workspace page gets: the workspace, the member's role, and a way to refresh both. */
export interface WorkspaceProps {
  workspace: Workspace;
  role: Role;
  reload(): void;
}

const TABS: { path: string; label: string; role: Role }[] = [
  { path: '', label: 'Overview', role: 'viewer' },
  { path: '/widget', label: 'Widget settings', role: 'viewer' },
  { path: '/model-key', label: 'Model key', role: 'viewer' },
  { path: '/conversations', label: 'Conversations', role: 'viewer' },
  { path: '/knowledge', label: 'Knowledge', role: 'viewer' },
  { path: '/members', label: 'Members', role: 'viewer' },
  { path: '/api-keys', label: 'API keys', role: 'admin' },
  { path: '/audit', label: 'Audit log', role: 'admin' },
  { path: '/settings', label: 'Workspace', role: 'viewer' },
];

/** /w/:id/…: loads the workspace once, shows its tabs, then the page. */
export function WorkspacePages({ id, sub }: { id: string; sub: string }) {
  const state = useApi<{ workspace: Workspace }>(`/workspaces/${encodeURIComponent(id)}`);
  const loaded = state.data !== undefined;
  // The placeholder heading gives way to the page's own: keep focus on a heading.
  useEffect(() => {
    if (loaded) focusHeading({ onlyIfLost: true });
  }, [loaded]);
  if (!state.data) {
    return (
      <>
        <h1>Workspace</h1>
        {state.error ? <LoadError error={state.error} retry={state.reload} /> : <Loading />}
      </>
    );
  }
  const { workspace } = state.data;
  const props: WorkspaceProps = { workspace, role: workspace.role, reload: state.reload };
  const base = `/admin/w/${workspace.id}`;
  const current = sub === '/' ? '' : sub;
  return (
    <>
      <p class="crumb">
        <a href="/admin/workspaces">Workspaces</a> / <span>{workspace.name}</span> <span class="badge">{workspace.role}</span>
      </p>
      <nav class="tabs" aria-label="Workspace">
        <ul>
          {TABS.filter((t) => atLeast(workspace.role, t.role)).map((t) => (
            <li key={t.path}>
              <a href={base + t.path} aria-current={current === t.path || (t.path !== '' && current.startsWith(`${t.path}/`)) ? 'page' : undefined}>
                {t.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {subPage(current, props)}
    </>
  );
}

function subPage(sub: string, props: WorkspaceProps) {
  if (sub === '') return <OverviewPage {...props} />;
  if (sub === '/widget') return <WidgetSettingsPage {...props} />;
  if (sub === '/model-key') return <ProviderKeyPage {...props} />;
  if (sub === '/conversations') return <ConversationsPage {...props} />;
  const conversation = match('/conversations/:cid', sub);
  if (conversation) return <ConversationPage {...props} conversationId={conversation.cid!} />;
  if (sub === '/knowledge') return <KnowledgePage {...props} />;
  const source = match('/knowledge/:sourceId', sub);
  if (source) return <KnowledgeSourcePage {...props} sourceId={source.sourceId!} />;
  if (sub === '/members') return <MembersPage {...props} />;
  if (sub === '/api-keys') return <ApiKeysPage {...props} />;
  if (sub === '/audit') return <AuditPage {...props} />;
  if (sub === '/settings') return <WorkspaceSettingsPage {...props} />;
  return <NotFoundPage />;
}

/** The workspace's API path. */
export const wsPath = (w: Workspace, rest = '') => `/workspaces/${encodeURIComponent(w.id)}${rest}`;
