import { useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { Async, LiveStatus } from '../components/status.js';
import { api } from '../lib/api.js';
import { when } from '../lib/format.js';
import { atLeast, ROLES } from '../lib/roles.js';
import { navigate } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import type { Invitation, Member, Role } from '../lib/types.js';
import { useAction, useApi } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** Who is in the workspace with which role, and the invitations still open. */
export function MembersPage({ workspace, role }: WorkspaceProps) {
  const members = useApi<{ members: Member[] }>(wsPath(workspace, '/members'));
  const isAdmin = atLeast(role, 'admin');
  const session = useSession();
  const me = session.status === 'signed-in' ? session.account.id : '';
  const [status, setStatus] = useState('');
  const change = useAction();
  // Only an owner grants or takes the owner role.
  const grantable = ROLES.filter((r) => r !== 'owner' || role === 'owner');

  return (
    <>
      <h1>Members</h1>
      <FormError error={change.error} />
      <Async state={members}>
        {({ members: list }) => (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((m) => {
                  const editable = isAdmin && (m.role !== 'owner' || role === 'owner');
                  const label = m.name ? `${m.name} (${m.email})` : m.email;
                  return (
                    <tr key={m.accountId}>
                      <td>{label}</td>
                      <td>
                        {editable ? (
                          <select
                            aria-label={`Role of ${label}`}
                            value={m.role}
                            disabled={change.busy}
                            onChange={async (e) => {
                              const next = e.currentTarget.value as Role;
                              const answer = await change.run(() => api('PATCH', wsPath(workspace, `/members/${m.accountId}`), { role: next }));
                              if (answer) setStatus(`${label} is now ${next}.`);
                              members.reload();
                            }}
                          >
                            {(m.role === 'owner' ? ROLES : grantable).map((r) => (
                              <option key={r} value={r}>
                                {r}
                              </option>
                            ))}
                          </select>
                        ) : (
                          m.role
                        )}
                      </td>
                      <td>{when(m.createdAt)}</td>
                      <td>
                        {(editable || m.accountId === me) && (
                          <button
                            type="button"
                            class="secondary"
                            disabled={change.busy}
                            onClick={async () => {
                              const done = await change.run(() => api('DELETE', wsPath(workspace, `/members/${m.accountId}`)).then(() => true));
                              if (!done) return;
                              if (m.accountId === me) navigate('/workspaces');
                              else {
                                setStatus(`${label} was removed.`);
                                members.reload();
                              }
                            }}
                          >
                            {m.accountId === me ? 'Leave workspace' : 'Remove'}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Async>
      <LiveStatus text={status} />
      {isAdmin && <Invitations {...{ workspace, grantable }} />}
    </>
  );
}

function Invitations({ workspace, grantable }: Pick<WorkspaceProps, 'workspace'> & { grantable: Role[] }) {
  const state = useApi<{ invitations: Invitation[] }>(wsPath(workspace, '/invitations'));
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [status, setStatus] = useState('');
  const invite = useAction();
  const revoke = useAction();
  return (
    <section aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setStatus('');
          const answer = await invite.run(() => api<{ invitation: Invitation }>('POST', wsPath(workspace, '/invitations'), { email: email.trim(), role }));
          if (answer) {
            setStatus(`An invitation was sent to ${answer.invitation.email}.`);
            setEmail('');
            state.reload();
          }
        }}
      >
        <FormError error={invite.error} fields={['email', 'role']} />
        <Field label="Email" name="email" type="email" value={email} onValue={setEmail} error={invite.error} required />
        <div class="field">
          <label for="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {grantable.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {invite.error?.field('role') && <p class="field-error">{invite.error.field('role')}</p>}
        </div>
        <button type="submit" disabled={invite.busy}>
          {invite.busy ? 'Sending…' : 'Send invitation'}
        </button>
      </form>
      <LiveStatus text={status} />
      <FormError error={revoke.error} />
      <Async state={state}>
        {({ invitations }) =>
          invitations.length === 0 ? (
            <p class="empty">No open invitations.</p>
          ) : (
            <ul class="rows">
              {invitations.map((i) => (
                <li key={i.id}>
                  <span>
                    {i.email} as {i.role}, expires {when(i.expiresAt)}
                  </span>
                  <button
                    type="button"
                    class="secondary"
                    disabled={revoke.busy}
                    onClick={async () => {
                      if ((await revoke.run(() => api('DELETE', wsPath(workspace, `/invitations/${i.id}`)).then(() => true))) === true) state.reload();
                    }}
                  >
                    Revoke<span class="visually-hidden"> the invitation of {i.email}</span>
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Async>
    </section>
  );
}
