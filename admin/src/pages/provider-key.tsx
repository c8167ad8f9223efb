import { useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { Async, LiveStatus } from '../components/status.js';
import { api } from '../lib/api.js';
import { atLeast } from '../lib/roles.js';
import type { ProviderKey } from '../lib/types.js';
import { useAction, useApi } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** The workspace's own Mistral key (BYOK): only its last four characters ever come back. */
export function ProviderKeyPage({ workspace, role }: WorkspaceProps) {
  const state = useApi<{ key: ProviderKey | null }>(wsPath(workspace, '/provider-key'));
  const [apiKey, setApiKey] = useState('');
  const [status, setStatus] = useState('');
  const save = useAction();
  const remove = useAction();
  const canEdit = atLeast(role, 'admin');
  return (
    <>
      <h1>Model key</h1>
      <p>Your own Mistral API key: conversations in this workspace are billed to it. It is stored encrypted and never shown again.</p>
      <Async state={state}>
        {({ key }) => (
          <>
            <p class="key-state">
              {key ? (
                <>
                  A {key.provider} key ending in <code>{key.last4}</code> is set (since {new Date(key.updatedAt).toLocaleString()}).
                </>
              ) : (
                'No key is set: the widget uses the server operator’s key, if there is one.'
              )}
            </p>
            {canEdit ? (
              <>
                <form
                  onSubmit={async (e) => {
                    e.preventDefault();
                    setStatus('');
                    const answer = await save.run(() => api<{ key: ProviderKey }>('PUT', wsPath(workspace, '/provider-key'), { apiKey: apiKey.trim() }));
                    if (answer) {
                      state.set({ key: answer.key });
                      setApiKey('');
                      setStatus(`Key saved: it ends in ${answer.key.last4}.`);
                    }
                  }}
                >
                  <FormError error={save.error} fields={['apiKey']} />
                  <Field
                    label={key ? 'Replace with a new key' : 'Mistral API key'}
                    name="apiKey"
                    type="password"
                    value={apiKey}
                    onValue={setApiKey}
                    error={save.error}
                    autoComplete="off"
                    spellcheck={false}
                    hint="Checked with Mistral before it is saved."
                    required
                  />
                  <button type="submit" disabled={save.busy}>
                    {save.busy ? 'Checking with Mistral…' : key ? 'Replace key' : 'Save key'}
                  </button>
                </form>
                {key && (
                  <>
                    <FormError error={remove.error} />
                    <button
                      type="button"
                      class="danger"
                      disabled={remove.busy}
                      onClick={async () => {
                        setStatus('');
                        if ((await remove.run(() => api('DELETE', wsPath(workspace, '/provider-key')).then(() => true))) === true) {
                          state.set({ key: null });
                          setStatus('Key removed.');
                        }
                      }}
                    >
                      {remove.busy ? 'Removing…' : 'Remove key'}
                    </button>
                  </>
                )}
              </>
            ) : (
              <p class="hint">Only admins can set or remove the key.</p>
            )}
            <LiveStatus text={status} />
          </>
        )}
      </Async>
    </>
  );
}
