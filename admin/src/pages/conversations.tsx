import { useState } from 'preact/hooks';
import { LiveStatus, LoadError, Loading } from '../components/status.js';
import { TypedConfirm } from '../components/typed-confirm.js';
import { api, apiUrl } from '../lib/api.js';
import { count, when } from '../lib/format.js';
import { atLeast } from '../lib/roles.js';
import type { ConversationSummary } from '../lib/types.js';
import { useAction, usePaged } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

const WIPE_PHRASE = 'delete all conversations';

/** Conversations newest first: search, more pages, exports, and wiping them all. */
export function ConversationsPage({ workspace, role }: WorkspaceProps) {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState('');
  const wipe = useAction();
  const list = usePaged<ConversationSummary>(wsPath(workspace, '/conversations'), 'conversations', { limit: '25', q: query });
  const items = list.items;

  return (
    <>
      <h1>Conversations</h1>
      <form
        role="search"
        class="inline search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
        }}
      >
        <label for="conversation-search">Search messages</label>
        <input id="conversation-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">Search</button>
        {query && (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setQ('');
              setQuery('');
            }}
          >
            Clear
          </button>
        )}
      </form>
      {atLeast(role, 'admin') && (
        <p class="actions">
          Export all: <a href={apiUrl(wsPath(workspace, '/conversations/export?format=csv'))} download>CSV</a>{' '}
          <a href={apiUrl(wsPath(workspace, '/conversations/export?format=json'))} download>JSON</a>
        </p>
      )}
      {items === undefined ? (
        list.error ? <LoadError error={list.error} retry={list.reload} /> : <Loading />
      ) : items.length === 0 ? (
        <p class="empty">{query ? `No conversation mentions “${query}”.` : 'No conversations yet.'}</p>
      ) : (
        <>
          <ul class="conversations">
            {items.map((c) => (
              <li key={c.id}>
                <a href={`/admin/w/${workspace.id}/conversations/${c.id}`}>
                  <span class="preview">{c.preview || '(no messages)'}</span>
                </a>
                <span class="meta">
                  {when(c.updatedAt)} · {count(c.messageCount, 'message')}
                </span>
              </li>
            ))}
          </ul>
          {list.error && <LoadError error={list.error} />}
          {list.hasMore && (
            <button type="button" class="secondary" disabled={list.loading} onClick={list.more}>
              {list.loading ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
      {atLeast(role, 'owner') && (
        <section aria-labelledby="wipe-heading">
          <h2 id="wipe-heading">Delete all conversations</h2>
          <TypedConfirm
            phrase={WIPE_PHRASE}
            action="Delete all conversations"
            explanation="Every conversation, message and visitor of this workspace is deleted for good. Export first if you need a copy."
            busy={wipe.busy}
            error={wipe.error}
            onConfirm={async () => {
              setStatus('');
              const answer = await wipe.run(() => api<{ deleted: { conversations: number; messages: number } }>('POST', wsPath(workspace, '/conversations/wipe'), { confirm: WIPE_PHRASE }));
              if (answer) {
                setStatus(`Deleted ${count(answer.deleted.conversations, 'conversation')} and ${count(answer.deleted.messages, 'message')}.`);
                list.reload();
              }
            }}
          />
        </section>
      )}
      <LiveStatus text={status} />
    </>
  );
}
