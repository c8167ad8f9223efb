import { useEffect, useState } from 'preact/hooks';
import { FormError } from '../components/field.js';
import { api } from '../lib/api.js';
import { hashParam, navigate } from '../lib/router.js';
import { keepInvitation, takeInvitation, useSession } from '../lib/session.js';
import type { WorkspaceSummary } from '../lib/types.js';
import { useAction } from '../lib/use-api.js';
import { useSignupPolicy } from './sign-up-policy.js';

/** The mailed invitation (/admin/invitations#token=…): sign in or up first, then accept. */
export function InvitationPage() {
  const session = useSession();
  const [token] = useState(() => hashParam('token') ?? takeInvitation(true));
  const { busy, error, run } = useAction();
  const signup = useSignupPolicy();
  useEffect(() => {
    if (token) keepInvitation(token);
    // Out of the address bar and the history: the token is a credential, kept in this tab's sessionStorage instead.
    if (location.hash) history.replaceState(null, '', location.pathname);
  }, [token]);

  if (!token) {
    return (
      <>
        <h1>Invitation</h1>
        <p role="alert">This invitation link is incomplete. Open the link from the email again.</p>
      </>
    );
  }
  if (session.status !== 'signed-in') {
    return (
      <>
        <h1>You are invited to a Parley workspace</h1>
        <p>{signup === 'closed' ? 'Sign in to accept it.' : 'Sign in, or create an account with the address the invitation was sent to, to accept it.'}</p>
        <p class="actions">
          <a class="button" href="/admin/sign-in">
            Sign in
          </a>
          {signup && signup !== 'closed' && (
            <a class="button secondary" href="/admin/sign-up">
              Create an account
            </a>
          )}
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Accept the invitation</h1>
      <p>You are signed in as {session.account.email}.</p>
      <FormError error={error} />
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          const answer = await run(() => api<{ workspace: WorkspaceSummary }>('POST', '/invitations/accept', { token }));
          if (answer) {
            takeInvitation();
            navigate(`/w/${answer.workspace.id}`);
          } else takeInvitation(); // used, expired or not for this account: do not bring it up at every sign-in
        }}
      >
        {busy ? 'Joining…' : 'Accept and join'}
      </button>
    </>
  );
}
