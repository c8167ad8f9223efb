import { useEffect, useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { Loading } from '../components/status.js';
import { api } from '../lib/api.js';
import { hashParam } from '../lib/router.js';
import { takeInvitation } from '../lib/session.js';
import type { SessionAnswer } from '../lib/types.js';
import { useAction } from '../lib/use-api.js';
import { afterSignIn } from './after-sign-in.js';
import { useSignupPolicy } from './sign-up-policy.js';

/**
 * The first step: an address (and a name). The server answers the same whether or not
 * the address has an account, and mails the next step; so does this page.
 */
export function SignUpPage() {
  const policy = useSignupPolicy();
  const [invitation] = useState(() => takeInvitation(true));
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useAction();

  if (!policy) return <Loading />;
  if (policy === 'closed' || (policy === 'invite' && !invitation)) {
    return (
      <>
        <h1>Create an account</h1>
        <p role="status">
          {policy === 'closed'
            ? 'This server does not take new accounts. Ask its operator for one.'
            : 'An invitation is needed to create an account on this server. Open the link in the invitation you were sent.'}
        </p>
        <p class="aside">
          Already have an account? <a href="/admin/sign-in">Sign in</a>
        </p>
      </>
    );
  }
  if (sent) {
    return (
      <>
        <h1>Check your email</h1>
        <p role="status">We sent a message to {email} with the next step. The link in it works for 24 hours.</p>
        <p class="aside">
          <a href="/admin/sign-in">Back to sign-in</a>
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Create an account</h1>
      {policy === 'invite' && <p>Use the address your invitation was sent to.</p>}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const body = { email, ...(name.trim() && { name: name.trim() }), ...(policy === 'invite' && { invitation }) };
          if ((await run(() => api('POST', '/auth/sign-up', body).then(() => true))) === true) setSent(true);
        }}
      >
        <FormError error={error} fields={['name', 'email']} />
        <Field label="Name (optional)" name="name" value={name} onValue={setName} error={error} autoComplete="name" />
        <Field label="Email" name="email" type="email" value={email} onValue={setEmail} error={error} autoComplete="email" required />
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Create account'}
        </button>
      </form>
      <p class="aside">
        Already have an account? <a href="/admin/sign-in">Sign in</a>
      </p>
    </>
  );
}

/** The mailed link (/admin/sign-up/complete#token=…): a password, and the account is made and signed in. */
export function SignUpCompletePage() {
  const [token] = useState(() => hashParam('token'));
  // Out of the address bar and the history once read: the token is a credential.
  useEffect(() => {
    if (location.hash) history.replaceState(null, '', location.pathname);
  }, []);
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  if (!token) {
    return (
      <>
        <h1>Choose your password</h1>
        <p role="alert">
          This link is incomplete. Open the link from the email again, or <a href="/admin/sign-up">sign up again</a>.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Choose your password</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const answer = await run(() => api<SessionAnswer>('POST', '/auth/sign-up/complete', { token, password }));
          if (answer) afterSignIn(answer);
        }}
      >
        <FormError error={error} fields={['password']} />
        <Field
          label="Password"
          name="password"
          type="password"
          hint="At least 10 characters; a passphrase of a few words works well."
          value={password}
          onValue={setPassword}
          error={error}
          autoComplete="new-password"
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      {(error?.code === 'invalid_signup_token' || error?.code === 'email_taken') && (
        <p class="aside">
          <a href={error.code === 'email_taken' ? '/admin/sign-in' : '/admin/sign-up'}>{error.code === 'email_taken' ? 'Sign in' : 'Sign up again'}</a>
        </p>
      )}
    </>
  );
}
