// Who is signed in: loaded once from GET /auth/session, updated by sign-in and sign-out.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, onUnauthenticated, setCsrfToken } from './api.js';
import type { Account, SessionAnswer } from './types.js';

export type SessionState = { status: 'loading' } | { status: 'signed-out' } | { status: 'signed-in'; account: Account } | { status: 'error'; error: ApiError };

let state: SessionState = { status: 'loading' };
const listeners = new Set<(s: SessionState) => void>();

function set(next: SessionState): void {
  state = next;
  for (const fn of listeners) fn(state);
}

/** Takes the answer of sign-in, MFA verification or GET /auth/session. */
export function signedIn(answer: SessionAnswer): void {
  setCsrfToken(answer.csrfToken);
  set({ status: 'signed-in', account: answer.account });
}

export function signedOut(): void {
  setCsrfToken(undefined);
  set({ status: 'signed-out' });
}

/** Asks the server who this browser is signed in as. */
export async function loadSession(): Promise<void> {
  try {
    signedIn(await api<SessionAnswer>('GET', '/auth/session'));
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) signedOut();
    else set({ status: 'error', error: err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err)) });
  }
}

export async function signOut(): Promise<void> {
  try {
    await api('POST', '/auth/sign-out');
  } finally {
    signedOut();
  }
}

export function updateAccount(account: Account): void {
  if (state.status === 'signed-in') set({ status: 'signed-in', account });
}

onUnauthenticated(() => {
  if (state.status === 'signed-in') signedOut();
});

export function useSession(): SessionState {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => void listeners.delete(setS);
  }, []);
  return s;
}

// An invitation opened while signed out waits here until sign-in (sessionStorage: this tab only).
const PENDING_INVITATION = 'parley-admin-invitation';
export function keepInvitation(token: string): void {
  try {
    sessionStorage.setItem(PENDING_INVITATION, token);
  } catch {
    /* storage blocked: the link must be opened again after sign-in */
  }
}
export function takeInvitation(peek = false): string | undefined {
  try {
    const token = sessionStorage.getItem(PENDING_INVITATION) ?? undefined;
    if (!peek) sessionStorage.removeItem(PENDING_INVITATION);
    return token;
  } catch {
    return undefined;
  }
}
