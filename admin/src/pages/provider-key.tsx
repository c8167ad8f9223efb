import { useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { Async, LiveStatus } from '../components/status.js';
import { api } from '../lib/api.js';
import { atLeast } from '../lib/roles.js';
import type { ProviderKey } from '../lib/types.js';
import { useAction, useApi } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** Whether the chat may fall back on the server operator's key (docs/admin-api.md). */
type OperatorKey = 'available' | 'not_granted' | 'none';

const WITHOUT_KEY: Record<OperatorKey, string> = {
  available: 'No key is set: the widget uses the server operator’s key.',
  not_granted: 'No key is set, and the server operator’s key is not available to this workspace: add your own Mistral key for the chat to answer.',
  none: 'No key is set, and this server has no operator key: add your own Mistral key for the chat to answer.',
};

/** The workspace's own Mistral key (BYOK): only its last four characters ever come back. */
export function ProviderKeyPage({ workspace, role }: WorkspaceProps) {
  const state = useApi<{ key: ProviderKey | null; operatorKey: OperatorKey }>(wsPath(workspace, '/provider-key'));
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
        {({ key, operatorKey }) => (
          <>
            <p class="key-state">
              {key ? (
                <>
                  A {key.provider} key ending in <code>{key.last4}</code> is set (since {new Date(key.updatedAt).toLocaleString()}).
                </>
              ) : (
                WITHOUT_KEY[operatorKey]
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
                      state.set({ key: answer.key, operatorKey });
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
                          state.set({ key: null, operatorKey });
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
