import { useState } from 'preact/hooks';
import { CopyButton } from '../components/copy-button.js';
import { Field, FormError } from '../components/field.js';
import { LiveStatus } from '../components/status.js';
import { api } from '../lib/api.js';
import { useAction } from '../lib/use-api.js';

interface Setup {
  secret: string;
  otpauthUrl: string;
  qrSvg: string;
}

/** Enrolling an authenticator app (QR code, then a code), recovery codes, turning it off. */
export function MfaSection({ enabled, onChange }: { enabled: boolean; onChange(): void }) {
  const [setup, setSetup] = useState<Setup | undefined>();
  const [codes, setCodes] = useState<string[] | undefined>();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [status, setStatus] = useState('');
  const action = useAction();

  return (
    <section aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Two-factor authentication</h2>
      <p>{enabled ? 'On: signing in asks for a code from your authenticator app.' : 'Off: signing in needs only your password.'}</p>
      {codes && (
        <div class="once" role="alert">
          <p>Your recovery codes. Each works once if you lose your device. Keep them somewhere safe: they are not shown again.</p>
          <ul class="codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <CopyButton text={codes.join('\n')} label="Copy recovery codes" />
          <button type="button" class="secondary" onClick={() => setCodes(undefined)}>
            I have saved them
          </button>
        </div>
      )}
      {!enabled && !setup && (
        <>
          <FormError error={action.error} />
          <button
            type="button"
            disabled={action.busy}
            onClick={async () => {
              const answer = await action.run(() => api<Setup>('POST', '/auth/mfa/setup'));
              if (answer) setSetup(answer);
            }}
          >
            {action.busy ? 'Starting…' : 'Set up two-factor authentication'}
          </button>
        </>
      )}
      {!enabled && setup && (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const answer = await action.run(() => api<{ recoveryCodes: string[] }>('POST', '/auth/mfa/enable', { code: code.trim() }));
            if (answer) {
              setCodes(answer.recoveryCodes);
              setSetup(undefined);
              setCode('');
              setStatus('Two-factor authentication is on.');
              onChange();
            }
          }}
        >
          <p>Scan this code with your authenticator app, or type the key below into it.</p>
          <img class="qr" src={qrSource(setup.qrSvg)} alt="QR code to scan with an authenticator app" width={200} height={200} />
          <p>
            Key: <code class="secret">{setup.secret}</code>
          </p>
          <FormError error={action.error} fields={['code']} />
          <Field label="Code from the app" name="code" value={code} onValue={setCode} error={action.error} autoComplete="one-time-code" inputMode="numeric" required />
          <button type="submit" disabled={action.busy}>
            {action.busy ? 'Checking…' : 'Turn on'}
          </button>
        </form>
      )}
      {enabled && (
        <>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              const answer = await action.run(() => api<{ recoveryCodes: string[] }>('POST', '/auth/mfa/recovery-codes', { code: code.trim() }));
              if (answer) {
                setCodes(answer.recoveryCodes);
                setCode('');
              }
            }}
          >
            <h3>New recovery codes or turn off</h3>
            <FormError error={action.error} fields={['code', 'password']} />
            <Field label="Code from the app" name="code" value={code} onValue={setCode} error={action.error} autoComplete="one-time-code" required />
            <button type="submit" class="secondary" disabled={action.busy}>
              New recovery codes
            </button>
            <Field label="Password (to turn off)" name="password" type="password" value={password} onValue={setPassword} error={action.error} autoComplete="current-password" />
            <button
              type="button"
              class="danger"
              disabled={action.busy || !password}
              onClick={async () => {
                if ((await action.run(() => api('POST', '/auth/mfa/disable', { password, code: code.trim() }).then(() => true))) === true) {
                  setPassword('');
                  setCode('');
                  setStatus('Two-factor authentication is off.');
                  onChange();
                }
              }}
            >
              Turn off
            </button>
          </form>
        </>
      )}
      <LiveStatus text={status} />
    </section>
  );
}

/** The server sends the QR code as a data: URL of SVG; plain SVG markup is wrapped in one. */
function qrSource(qr: string): string {
  return qr.startsWith('data:image/svg+xml') ? qr : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr)}`;
}
