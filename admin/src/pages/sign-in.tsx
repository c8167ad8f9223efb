import { useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { api, setCsrfToken } from '../lib/api.js';
import type { SessionAnswer } from '../lib/types.js';
import { useAction } from '../lib/use-api.js';
import { afterSignIn } from './after-sign-in.js';
import { useSignupPolicy } from './sign-up-policy.js';

/** Email and password, then (when the account has MFA) a code from the authenticator app. */
export function SignInPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [mfa, setMfa] = useState(false);
  const { busy, error, run } = useAction();
  const signup = useSignupPolicy();

  if (mfa) {
    return (
      <>
        <h1>Two-factor authentication</h1>
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const answer = await run(() => api<SessionAnswer>('POST', '/auth/mfa/verify', { code: code.trim() }));
            if (answer) afterSignIn(answer);
          }}
        >
          <FormError error={error} fields={['code']} />
          <Field
            label="Code"
            name="code"
            hint="The 6-digit code from your authenticator app, or one of your recovery codes."
            value={code}
            onValue={setCode}
            error={error}
            autoComplete="one-time-code"
            inputMode="text"
            required
            autoFocus
          />
          <button type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Verify'}
          </button>
        </form>
      </>
    );
  }

  return (
    <>
      <h1>Sign in</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const answer = await run(() => api<SessionAnswer | { mfaRequired: true; csrfToken?: string }>('POST', '/auth/sign-in', { email, password }));
          if (!answer) return;
          if ('mfaRequired' in answer) {
            // The half-signed-in session's token: /auth/mfa/verify checks it like any other POST.
            setCsrfToken(answer.csrfToken);
            setMfa(true);
          }
          else afterSignIn(answer);
        }}
      >
        <FormError error={error} fields={['email', 'password']} />
        <Field label="Email" name="email" type="email" value={email} onValue={setEmail} error={error} autoComplete="username" required />
        <Field label="Password" name="password" type="password" value={password} onValue={setPassword} error={error} autoComplete="current-password" required />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="aside">
        <a href="/admin/forgot-password">Forgot your password?</a>
        {signup === 'open' && (
          <>
            {' · '}
            <a href="/admin/sign-up">Create an account</a>
          </>
        )}
      </p>
    </>
  );
}
