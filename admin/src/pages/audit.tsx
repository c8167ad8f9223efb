import { useState } from 'preact/hooks';
import { LoadError, Loading } from '../components/status.js';
import { apiUrl } from '../lib/api.js';
import { when } from '../lib/format.js';
import type { AuditEvent } from '../lib/types.js';
import { usePaged } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** Who did what, newest first, a page at a time. */
export function AuditPage({ workspace }: WorkspaceProps) {
  const [filter, setFilter] = useState('');
  const [action, setAction] = useState('');
  const list = usePaged<AuditEvent>(wsPath(workspace, '/audit'), 'events', { limit: '50', action });
  const events = list.items;

  return (
    <>
      <h1>Audit log</h1>
      <p class="actions">
        <a href={apiUrl(wsPath(workspace, `/audit/export${action ? `?action=${encodeURIComponent(action)}` : ''}`))} download>
          Download {action ? 'these events' : 'all'} (JSON Lines)
        </a>
      </p>
      <form
        role="search"
        class="inline search"
        onSubmit={(e) => {
          e.preventDefault();
          setAction(filter.trim());
        }}
      >
        <label for="audit-action">Action starts with</label>
        <input id="audit-action" value={filter} placeholder="member." onInput={(e) => setFilter(e.currentTarget.value)} />
        <button type="submit">Filter</button>
      </form>
      {events === undefined ? (
        list.error ? <LoadError error={list.error} retry={list.reload} /> : <Loading />
      ) : events.length === 0 ? (
        <p class="empty">{action ? `No event starts with “${action}”.` : 'Nothing has been recorded yet.'}</p>
      ) : (
        <>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Target</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id}>
                    <td>{when(e.createdAt)}</td>
                    <td>{actorName(e.actor)}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{[e.targetType, e.targetId].filter(Boolean).join(' ')}</td>
                    <td>{e.ip ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {list.error && <LoadError error={list.error} />}
          {list.hasMore && (
            <button type="button" class="secondary" disabled={list.loading} onClick={list.more}>
              {list.loading ? 'Loading…' : 'Older events'}
            </button>
          )}
        </>
      )}
    </>
  );
}

function actorName(actor: unknown): string {
  if (actor && typeof actor === 'object') {
    const a = actor as { label?: string; email?: string };
    return a.label ?? a.email ?? 'unknown';
  }
  return actor == null ? 'system' : String(actor);
}
