import { useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { LiveStatus } from '../components/status.js';
import { api } from '../lib/api.js';
import { loadSession, useSession } from '../lib/session.js';
import { useAction } from '../lib/use-api.js';
import { MfaSection } from './account-mfa.js';

/** The signed-in account: password and two-factor authentication. */
export function AccountPage() {
  const session = useSession();
  if (session.status !== 'signed-in') return null;
  const { account } = session;
  return (
    <>
      <h1>Your account</h1>
      <dl class="facts">
        <dt>Email</dt>
        <dd>{account.email}</dd>
        {account.name && (
          <>
            <dt>Name</dt>
            <dd>{account.name}</dd>
          </>
        )}
      </dl>
      <PasswordForm />
      <MfaSection enabled={account.mfaEnabled} onChange={() => void loadSession()} />
    </>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [status, setStatus] = useState('');
  const { busy, error, run } = useAction();
  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setStatus('');
          if ((await run(() => api('POST', '/auth/password', { current, next }).then(() => true))) === true) {
            setCurrent('');
            setNext('');
            setStatus('Password changed. Your other sessions were signed out.');
          }
        }}
      >
        <FormError error={error} fields={['current', 'next']} />
        <Field label="Current password" name="current" type="password" value={current} onValue={setCurrent} error={error} autoComplete="current-password" required />
        <Field label="New password" name="next" type="password" value={next} onValue={setNext} error={error} autoComplete="new-password" required hint="At least 10 characters." />
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Change password'}
        </button>
      </form>
      <LiveStatus text={status} />
    </section>
  );
}
