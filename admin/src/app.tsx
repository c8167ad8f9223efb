import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Layout } from './components/layout.js';
import { LoadError, Loading } from './components/status.js';
import { focusHeading } from './lib/focus.js';
import { interceptLinks, match, navigate, usePath } from './lib/router.js';
import { useSession } from './lib/session.js';
import { AccountPage } from './pages/account.js';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/password-reset.js';
import { InvitationPage } from './pages/invitation.js';
import { LegalPage } from './pages/legal.js';
import { NotFoundPage } from './pages/not-found.js';
import { SignInPage } from './pages/sign-in.js';
import { SignUpCompletePage, SignUpPage } from './pages/sign-up.js';
import { WorkspacePages } from './pages/workspace.js';
import { WorkspacesPage } from './pages/workspaces.js';

// Pages anyone may see; every other page needs a session.
const PUBLIC = new Set(['/sign-in', '/sign-up', '/sign-up/complete', '/forgot-password', '/reset-password', '/invitations']);

/** Routes by path, guards pages behind the session, and moves focus to each new page's heading. */
export function App() {
  const path = usePath();
  const session = useSession();
  const root = useRef<HTMLDivElement>(null);
  const first = useRef(true);

  useEffect(() => interceptLinks(root.current!), []);

  const signedIn = session.status === 'signed-in';
  const redirect = session.status === 'signed-out' && !PUBLIC.has(path) ? '/sign-in' : signedIn && (path === '/' || path === '/sign-in' || path === '/sign-up') ? '/workspaces' : undefined;
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  // A new page: its title for the tab and screen readers, focus on its heading (not on first load).
  useEffect(() => {
    if (session.status === 'loading') return;
    const timer = setTimeout(() => {
      focusHeading({ onlyIfLost: first.current });
      first.current = false;
    }, 0);
    return () => clearTimeout(timer);
  }, [path, session.status]);

  return <div ref={root}>{session.status === 'loading' || redirect ? <Bare><Loading /></Bare> : session.status === 'error' ? <Bare><LoadError error={session.error} retry={() => location.reload()} /></Bare> : page(path, signedIn)}</div>;
}

function page(path: string, signedIn: boolean) {
  if (path === '/sign-in') return <Bare><SignInPage /></Bare>;
  if (path === '/sign-up') return <Bare><SignUpPage /></Bare>;
  if (path === '/sign-up/complete') return <Bare><SignUpCompletePage /></Bare>;
  if (path === '/forgot-password') return <Bare><ForgotPasswordPage /></Bare>;
  if (path === '/reset-password') return <Bare><ResetPasswordPage /></Bare>;
  if (path === '/invitations' && !signedIn) return <Bare><InvitationPage /></Bare>;
  return <Layout>{signedInPage(path)}</Layout>;
}

function signedInPage(path: string) {
  if (path === '/invitations') return <InvitationPage />;
  if (path === '/workspaces') return <WorkspacesPage />;
  if (path === '/account') return <AccountPage />;
  const legal = match('/legal/:doc', path);
  if (legal && (legal.doc === 'toms' || legal.doc === 'dpa')) return <LegalPage doc={legal.doc} />;
  const ws = /^\/w\/([^/]+)(\/.*)?$/.exec(path);
  if (ws) return <WorkspacePages id={decodeURIComponent(ws[1]!)} sub={ws[2] ?? '/'} />;
  return <NotFoundPage />;
}

/** The pages shown before sign-in: no navigation, one centred card. */
function Bare({ children }: { children: ComponentChildren }) {
  return (
    <main id="main" class="bare">
      <p class="brand">Parley</p>
      <div class="card">{children}</div>
    </main>
  );
}
