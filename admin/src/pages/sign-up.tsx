import { useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { api } from '../lib/api.js';
import type { SessionAnswer } from '../lib/types.js';
import { useAction } from '../lib/use-api.js';
import { afterSignIn } from './after-sign-in.js';

/** A new account, signed in at once. */
export function SignUpPage() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  return (
    <>
      <h1>Create an account</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const answer = await run(async () => {
            await api('POST', '/auth/sign-up', { email, password, ...(name.trim() && { name: name.trim() }) });
            return api<SessionAnswer>('POST', '/auth/sign-in', { email, password });
          });
          if (answer) afterSignIn(answer);
        }}
      >
        <FormError error={error} fields={['name', 'email', 'password']} />
        <Field label="Name (optional)" name="name" value={name} onValue={setName} error={error} autoComplete="name" />
        <Field label="Email" name="email" type="email" value={email} onValue={setEmail} error={error} autoComplete="email" required />
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
      <p class="aside">
        Already have an account? <a href="/admin/sign-in">Sign in</a>
      </p>
    </>
  );
}
