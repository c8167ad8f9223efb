import { navigate } from '../lib/router.js';
import { signedIn, takeInvitation } from '../lib/session.js';
import type { SessionAnswer } from '../lib/types.js';

/** Where a fresh session goes: a waiting invitation first, otherwise the workspaces. */
export function afterSignIn(answer: SessionAnswer): void {
  const invitation = takeInvitation(true);
  signedIn(answer);
  navigate(invitation ? '/invitations' : '/workspaces', { replace: true });
}
