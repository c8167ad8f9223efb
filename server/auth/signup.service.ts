import { randomBytes } from 'node:crypto';
import { findInvitation } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import * as repo from './auth.repo.js';
import { csrfToken, SESSION_TTL_MS, tokenHash } from './session-token.js';
import { deviceTokenFor, openSession, toAccount, type AuthDeps, type RequestInfo, type SignedIn } from './auth.service.js';
import { hashPassword, passwordProblem } from './password.js';
import * as signups from './signup.repo.js';

// Signing up never tells whether an address has an account: POST /auth/sign-up answers
// 202 before anything about accounts is looked at, and the mail says the rest to whoever
// reads that mailbox. The account is created only from the mailed link, with a password
// chosen there, so a request made in someone else's name can neither take their address
// nor leave them an account whose password a stranger knows.

/** How long a sign-up link works. */
export const SIGNUP_TTL_MS = 24 * 60 * 60_000;

export interface SignUpInput {
  email: string;
  name?: string | undefined;
  /** The token of an invitation to this address; required when SIGNUP=invite. */
  invitation?: string | undefined;
}

const closed = () => new HttpError(403, 'signup_closed', 'This server does not take new accounts. Ask its operator for one.');
const needsInvitation = () =>
  new HttpError(403, 'invitation_required', 'This server takes new accounts by invitation only. Open the link in the invitation sent to this address.');

/**
 * What the policy decides before the answer. Reveals nothing about accounts: closed is
 * closed for everyone, and an invitation is checked against the address it was sent to.
 */
export async function checkSignUpAllowed(deps: AuthDeps, input: SignUpInput): Promise<void> {
  if (deps.signup === 'closed') throw closed();
  if (deps.signup === 'open') return;
  const found = input.invitation ? await findInvitation(deps.db, tokenHash(input.invitation)) : undefined;
  if (!found || found.expiresAt.getTime() <= Date.now() || found.email.toLowerCase() !== input.email.toLowerCase()) throw needsInvitation();
}

/**
 * Run after the answer: a link to finish signing up for a new address, or a note to the
 * owner of an existing account. Both cost the requester the same wait: none.
 */
export async function mailSignUp(deps: AuthDeps, input: SignUpInput, info: RequestInfo): Promise<void> {
  const existing = await repo.findAccountByEmail(deps.db, input.email);
  if (!(await deps.mayMail(input.email))) return;
  if (existing) {
    await repo.insertPlatformEvent(deps.db, { actor: 'anonymous', action: 'auth.sign_up_existing', target: `account:${existing.id}`, details: { ip: info.ip } });
    const text = [
      'Someone asked to create a Parley account with this address, which already has one.',
      `If it was you, sign in at ${deps.publicUrl}/admin/sign-in, or choose a new password at ${deps.publicUrl}/admin/forgot-password.`,
      'If it was not you, ignore this message: nothing has changed.',
    ].join('\n\n');
    await deps.mailer.send({ to: existing.email, subject: 'Someone tried to sign up with your address', text });
    return;
  }
  // Hex, like reset tokens: the log scrubber leaves it readable in the development mail log.
  const token = randomBytes(32).toString('hex');
  await signups.insertSignupRequest(deps.db, { email: input.email, displayName: input.name ?? null, tokenHash: tokenHash(token), ttlMs: SIGNUP_TTL_MS });
  await repo.insertPlatformEvent(deps.db, { actor: 'anonymous', action: 'auth.sign_up_requested', target: null, details: { ip: info.ip } });
  const link = `${deps.publicUrl}/admin/sign-up/complete#token=${token}`;
  const text = `To finish creating your Parley account, open this link and choose a password:\n\n${link}\n\nThe link works once, for 24 hours. If you did not ask for an account, ignore this message.`;
  await deps.mailer.send({ to: input.email, subject: 'Finish creating your Parley account', text });
}

/** The mailed link's second half: the account, with the password chosen now, signed in. */
export async function completeSignUp(deps: AuthDeps, input: { token: string; password: string }, info: RequestInfo): Promise<SignedIn> {
  if (deps.signup === 'closed') throw closed();
  const hash = tokenHash(input.token);
  const invalid = () => new HttpError(400, 'invalid_signup_token', 'This sign-up link is invalid, used or expired. Sign up again for a new one.');
  // Checked before the token is used up, so a weak password does not cost the link.
  const email = await signups.findSignupEmail(deps.db, hash);
  if (!email) throw invalid();
  const problem = passwordProblem(input.password, email);
  if (problem) throw new HttpError(400, 'weak_password', problem);
  const row = await signups.completeSignupRequest(deps.db, hash, await hashPassword(input.password));
  if (row === 'invalid') throw invalid();
  // Only the reader of the address's mailbox holds the link, so this tells no stranger anything.
  if (row === 'taken') throw new HttpError(409, 'email_taken', 'This address already has an account. Sign in or reset its password.');
  await repo.insertPlatformEvent(deps.db, { actor: `account:${row.id}`, action: 'auth.sign_up', target: `account:${row.id}`, details: { ip: info.ip } });
  const { token, session } = await openSession(deps, row.id, info, { ttlMs: SESSION_TTL_MS, mfaPending: false });
  await repo.insertPlatformEvent(deps.db, { actor: `account:${row.id}`, action: 'auth.sign_in', target: `session:${session.id}`, details: { ip: info.ip } });
  return { account: toAccount(row), token, expiresAt: session.expires_at, csrfToken: csrfToken(deps.tokenKeys, token), deviceToken: deviceTokenFor(deps, row.id, info) };
}
