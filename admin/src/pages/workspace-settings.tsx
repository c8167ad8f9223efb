import { useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { LiveStatus } from '../components/status.js';
import { ExportDownload } from '../components/export-download.js';
import { TypedConfirm } from '../components/typed-confirm.js';
import { api } from '../lib/api.js';
import { atLeast } from '../lib/roles.js';
import { navigate } from '../lib/router.js';
import type { Workspace } from '../lib/types.js';
import { useAction } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** The workspace itself: its name, whether MFA is required, deleting it. */
export function WorkspaceSettingsPage({ workspace, role, reload }: WorkspaceProps) {
  const [name, setName] = useState(workspace.name);
  const [status, setStatus] = useState('');
  const rename = useAction();
  const mfa = useAction();
  const remove = useAction();
  const patch = (body: Partial<Workspace>) => api<{ workspace: Workspace }>('PATCH', wsPath(workspace), body);
  return (
    <>
      <h1>Workspace settings</h1>
      {!atLeast(role, 'admin') && <p class="hint">Only admins can change these settings.</p>}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await rename.run(() => patch({ name: name.trim() }))) {
            setStatus('Name saved.');
            reload();
          }
        }}
      >
        <FormError error={rename.error} fields={['name']} />
        <Field label="Name" name="name" value={name} onValue={setName} error={rename.error} disabled={!atLeast(role, 'admin')} required maxLength={200} />
        {atLeast(role, 'admin') && (
          <button type="submit" disabled={rename.busy}>
            {rename.busy ? 'Saving…' : 'Rename'}
          </button>
        )}
      </form>
      <h2>Two-factor authentication</h2>
      <FormError error={mfa.error} />
      <div class="field checkbox">
        <input
          id="require-mfa"
          type="checkbox"
          checked={workspace.requireMfa}
          disabled={role !== 'owner' || mfa.busy}
          onChange={async (e) => {
            const requireMfa = e.currentTarget.checked;
            if (await mfa.run(() => patch({ requireMfa }))) {
              setStatus(requireMfa ? 'Members now need two-factor authentication.' : 'Two-factor authentication is now optional.');
              reload();
            } else e.currentTarget.checked = !requireMfa;
          }}
        />
        <label for="require-mfa">Require two-factor authentication of every member</label>
      </div>
      {role !== 'owner' && <p class="hint">Only owners can change this.</p>}
      <LiveStatus text={status} />
      {role === 'owner' && (
        <section aria-labelledby="export-heading">
          <h2 id="export-heading">Export everything</h2>
          <p class="hint">One JSON file: settings, members, invitations, API keys (no secrets), conversations and the audit log.</p>
          <ExportDownload path={wsPath(workspace, '/export')} fileName={`parley-${workspace.publicId}.json`} label="Export workspace" />
        </section>
      )}
      {role === 'owner' && (
        <section aria-labelledby="delete-heading">
          <h2 id="delete-heading">Delete this workspace</h2>
          <TypedConfirm
            phrase={workspace.name}
            action="Delete workspace"
            explanation="The workspace and everything in it (settings, keys, members, conversations, audit log) are deleted for good. The widget stops working on every site."
            busy={remove.busy}
            error={remove.error}
            onConfirm={async () => {
              if ((await remove.run(() => api('DELETE', wsPath(workspace), { confirm: workspace.name }).then(() => true))) === true) navigate('/workspaces', { replace: true });
            }}
          />
        </section>
      )}
    </>
  );
}
