import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { navigate } from '../lib/router.js';
import { signOut, useSession } from '../lib/session.js';

/** The signed-in frame: skip link, header with the account's links and sign-out, the page. */
export function Layout({ children }: { children: ComponentChildren }) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const email = session.status === 'signed-in' ? session.account.email : '';
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/admin/workspaces">
          Parley
        </a>
        <nav aria-label="Account">
          <ul>
            <li>
              <a href="/admin/workspaces">Workspaces</a>
            </li>
            <li>
              <a href="/admin/account" title={email}>
                Account
              </a>
            </li>
            <li>
              <a href="/admin/legal/toms">Legal</a>
            </li>
            <li>
              <button
                type="button"
                class="link"
                disabled={busy}
                onClick={async () => {
                  setBusy(true);
                  await signOut().catch(() => undefined);
                  setBusy(false);
                  navigate('/sign-in', { replace: true });
                }}
              >
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
