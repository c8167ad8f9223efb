import { useState } from 'preact/hooks';
import { CopyButton } from '../components/copy-button.js';
import { Field, FormError } from '../components/field.js';
import { Async } from '../components/status.js';
import { api } from '../lib/api.js';
import { when } from '../lib/format.js';
import type { ApiKey } from '../lib/types.js';
import { useAction, useApi } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** Keys for server-to-server clients: the secret is shown once, at creation. */
export function ApiKeysPage({ workspace }: WorkspaceProps) {
  const state = useApi<{ apiKeys: ApiKey[] }>(wsPath(workspace, '/api-keys'));
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>();
  const create = useAction();
  const revoke = useAction();
  return (
    <>
      <h1>API keys</h1>
      {secret && (
        <div class="once" role="alert">
          <p>
            The secret of <strong>{secret.name}</strong>. Copy it now: it is not shown again.
          </p>
          <pre>
            <code>{secret.secret}</code>
          </pre>
          <CopyButton text={secret.secret} label="Copy secret" />
          <button type="button" class="secondary" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
      )}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const answer = await create.run(() => api<{ apiKey: ApiKey; secret: string }>('POST', wsPath(workspace, '/api-keys'), { name: name.trim(), scope }));
          if (answer) {
            setSecret({ name: answer.apiKey.name, secret: answer.secret });
            setName('');
            state.reload();
          }
        }}
      >
        <h2>New key</h2>
        <FormError error={create.error} fields={['name', 'scope']} />
        <Field label="Name" name="name" value={name} onValue={setName} error={create.error} required maxLength={100} hint="What the key is for, e.g. “CRM sync”." />
        <fieldset>
          <legend>Scope</legend>
          <label>
            <input type="radio" name="scope" value="read" checked={scope === 'read'} onChange={() => setScope('read')} /> Read
          </label>
          <label>
            <input type="radio" name="scope" value="write" checked={scope === 'write'} onChange={() => setScope('write')} /> Read and write
          </label>
        </fieldset>
        <button type="submit" disabled={create.busy}>
          {create.busy ? 'Creating…' : 'Create key'}
        </button>
      </form>
      <h2>Keys</h2>
      <FormError error={revoke.error} />
      <Async state={state}>
        {({ apiKeys }) =>
          apiKeys.length === 0 ? (
            <p class="empty">No API keys yet.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Scope</th>
                    <th scope="col">Starts with</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {apiKeys.map((k) => (
                    <tr key={k.id}>
                      <td>{k.name}</td>
                      <td>{k.scope}</td>
                      <td>
                        <code>{k.prefix}</code>
                      </td>
                      <td>{when(k.lastUsedAt)}</td>
                      <td>
                        {k.revokedAt ? (
                          `Revoked ${when(k.revokedAt)}`
                        ) : (
                          <button
                            type="button"
                            class="secondary"
                            disabled={revoke.busy}
                            onClick={async () => {
                              if ((await revoke.run(() => api('DELETE', wsPath(workspace, `/api-keys/${k.id}`)).then(() => true))) === true) state.reload();
                            }}
                          >
                            Revoke<span class="visually-hidden"> {k.name}</span>
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
    </>
  );
}
