import { useEffect, useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { api } from '../lib/api.js';
import { hashParam } from '../lib/router.js';
import { useAction } from '../lib/use-api.js';

/** Asks for a reset link by email; says the same whether or not the account exists. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useAction();
  return (
    <>
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">If an account exists for {email}, a link to choose a new password is on its way. It works once and expires soon.</p>
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if ((await run(() => api('POST', '/auth/password-reset/request', { email }).then(() => true))) === true) setSent(true);
          }}
        >
          <FormError error={error} fields={['email']} />
          <Field label="Email" name="email" type="email" value={email} onValue={setEmail} error={error} autoComplete="email" required />
          <button type="submit" disabled={busy}>
            {busy ? 'Sending…' : 'Send reset link'}
          </button>
        </form>
      )}
      <p class="aside">
        <a href="/admin/sign-in">Back to sign-in</a>
      </p>
    </>
  );
}

/** The mailed link (/admin/reset-password#token=…): a new password. */
export function ResetPasswordPage() {
  const [token] = useState(() => hashParam('token'));
  // Out of the address bar and the history once read: the token is a credential.
  useEffect(() => {
    if (location.hash) history.replaceState(null, '', location.pathname);
  }, []);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  if (!token) {
    return (
      <>
        <h1>Choose a new password</h1>
        <p role="alert">
          This link is incomplete. Open the link from the email again, or <a href="/admin/forgot-password">ask for a new one</a>.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Choose a new password</h1>
      {done ? (
        <p role="status">
          Your password has been changed and every session signed out. <a href="/admin/sign-in">Sign in</a>
        </p>
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if ((await run(() => api('POST', '/auth/password-reset/confirm', { token, password }).then(() => true))) === true) setDone(true);
          }}
        >
          <FormError error={error} fields={['password']} />
          <Field label="New password" name="password" type="password" value={password} onValue={setPassword} error={error} autoComplete="new-password" required />
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Set password'}
          </button>
        </form>
      )}
      {error?.code === 'invalid_reset_token' && (
        <p class="aside">
          <a href="/admin/forgot-password">Ask for a new link</a>
        </p>
      )}
    </>
  );
}
