import { useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { Async } from '../components/status.js';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import type { WorkspaceSummary } from '../lib/types.js';
import { useAction, useApi } from '../lib/use-api.js';

/** The workspaces this account belongs to, and a new one. */
export function WorkspacesPage() {
  const list = useApi<{ workspaces: WorkspaceSummary[] }>('/workspaces');
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  return (
    <>
      <h1>Workspaces</h1>
      <Async state={list}>
        {({ workspaces }) =>
          workspaces.length === 0 ? (
            <p class="empty">You are not a member of any workspace yet. Create one below, or accept an invitation.</p>
          ) : (
            <ul class="cards">
              {workspaces.map((w) => (
                <li key={w.id}>
                  <a href={`/admin/w/${w.id}`}>{w.name}</a> <span class="badge">{w.role}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Async>
      <h2>New workspace</h2>
      <form
        class="inline"
        onSubmit={async (e) => {
          e.preventDefault();
          const answer = await run(() => api<{ workspace: WorkspaceSummary }>('POST', '/workspaces', { name: name.trim() }));
          if (answer) navigate(`/w/${answer.workspace.id}`);
        }}
      >
        <FormError error={error} fields={['name']} />
        <Field label="Name" name="name" value={name} onValue={setName} error={error} required maxLength={200} />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create workspace'}
        </button>
      </form>
    </>
  );
}
