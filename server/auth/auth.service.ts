import { randomBytes } from 'node:crypto';
import type { SignupPolicy } from '../config.js';
import type { Db } from '../db/db.js';
import { HttpError } from '../http/errors.js';
import type { Keyring } from '../keys/keyring.js';
import type { Logger } from '../logging.js';
import * as repo from './auth.repo.js';
import type { Mailer } from '../mail/mailer.js';
import { issueDeviceToken, verifyDeviceToken } from './device-cookie.js';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from './password.js';
import { csrfToken, newToken, SESSION_TOUCH_MS, SESSION_TTL_MS, tokenHash } from './session-token.js';
import type { SignInThrottle } from './sign-in-throttle.js';

export const RESET_TTL_MS = 60 * 60_000;
/** A session that still owes its second factor lives this long, without sliding. */
export const MFA_PENDING_TTL_MS = 10 * 60_000;

export interface AuthDeps {
  db: Db;
  logger: Logger;
  tokenKeys: Keyring;
  publicUrl: string;
  mailer: Mailer;
  throttle: SignInThrottle;
  /** SIGNUP: who may create an account (signup.service.ts). */
  signup: SignupPolicy;
  /** False once an address has been sent its hourly share of sign-up and reset mails. */
  mayMail(email: string): Promise<boolean>;
}

export interface Account {
  id: string;
  email: string;
  name: string | null;
  createdAt: Date;
  /** TOTP is on; a workspace that requires MFA refuses accounts without it. */
  mfaEnabled: boolean;
}

/** A signed-in request: who, which session, and the cookie value it came with. */
export interface AdminContext {
  account: Account;
  sessionId: string;
  token: string;
  expiresAt: Date;
  /** The expiry slid forward on this request; the cookie is sent again. */
  refreshed: boolean;
  /** Password right, TOTP still owed: good only for POST /auth/mfa/verify and sign-out. */
  mfaPending: boolean;
}

export interface RequestInfo {
  ip: string;
  userAgent: string | undefined;
  /** The device cookie as sent, not yet verified (device-cookie.ts). */
  deviceToken?: string | undefined;
}

/** Refused for too many failed attempts; the route turns retryAfterMs into Retry-After. */
export class TooManyAttempts extends HttpError {
  constructor(readonly retryAfterMs: number) {
    super(429, 'too_many_attempts', 'Too many failed attempts. Please wait before trying again.');
  }
}

// One answer for an unknown email and a wrong password, so neither reveals the other.
const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'The email or password is not correct.');
const weakPassword = (message: string) => new HttpError(400, 'weak_password', message);

export const toAccount = (row: repo.AccountRow): Account => ({
  id: row.id,
  email: row.email,
  name: row.display_name,
  createdAt: row.created_at,
  mfaEnabled: row.mfa_enabled_at !== null,
});

/** A full session: the account, the session cookie's token, and the device cookie's. */
export interface SignedIn {
  account: Account;
  token: string;
  expiresAt: Date;
  csrfToken: string;
  deviceToken: string;
}

/** Signed in, or (with MFA on) half signed in: `token` names a pending session until POST /auth/mfa/verify. */
export type SignInResult = ({ mfaRequired: false } & SignedIn) | { mfaRequired: true; token: string; csrfToken: string };

/**
 * The device this request comes from, when its device cookie was issued to this account:
 * the account's sign-in lock does not stop it (sign-in-throttle.ts).
 */
export function knownDevice(deps: Pick<AuthDeps, 'tokenKeys'>, accountId: string | undefined, info: RequestInfo): string | undefined {
  return accountId ? verifyDeviceToken(deps.tokenKeys, accountId, info.deviceToken) : undefined;
}

/** The device cookie to set after a full sign-in: the same device id when the browser had one for this account. */
export function deviceTokenFor(deps: Pick<AuthDeps, 'tokenKeys'>, accountId: string, info: RequestInfo): string {
  return issueDeviceToken(deps.tokenKeys, accountId, knownDevice(deps, accountId, info));
}

export async function signIn(deps: AuthDeps, input: { email: string; password: string }, info: RequestInfo): Promise<SignInResult> {
  const row = await repo.findAccountByEmail(deps.db, input.email);
  const keys = { email: input.email, ip: info.ip, device: knownDevice(deps, row?.id, info) };
  const waitMs = await deps.throttle.attempt(keys);
  if (waitMs > 0) throw new TooManyAttempts(waitMs);
  // The same argon2 work whether or not the account exists.
  const ok = await verifyPassword(row?.password_hash ?? (await dummyHash()), input.password);
  if (!row || !ok) {
    await repo.insertPlatformEvent(deps.db, {
      actor: row ? `account:${row.id}` : 'anonymous',
      action: 'auth.sign_in_failed',
      target: row ? `account:${row.id}` : null,
      details: { ip: info.ip, reason: row ? 'wrong_password' : 'unknown_account' },
    });
    throw invalidCredentials();
  }
  if (row.mfa_enabled_at) return mfaChallenge(deps, row, info);
  await deps.throttle.succeeded(keys);
  const { token, session } = await openSession(deps, row.id, info, { ttlMs: SESSION_TTL_MS, mfaPending: false });
  await repo.insertPlatformEvent(deps.db, { actor: `account:${row.id}`, action: 'auth.sign_in', target: `session:${session.id}`, details: { ip: info.ip, knownDevice: keys.device !== undefined } });
  return {
    mfaRequired: false, account: toAccount(row), token, expiresAt: session.expires_at,
    csrfToken: csrfToken(deps.tokenKeys, token), deviceToken: deviceTokenFor(deps, row.id, info),
  };
}

/**
 * The password was right and the account has MFA: a pending session. The throttle is
 * not reset here but only once the code is right, so knowing the password does not buy
 * fresh guesses at the code.
 */
async function mfaChallenge(deps: AuthDeps, row: repo.AccountRow, info: RequestInfo): Promise<SignInResult> {
  const { token, session } = await openSession(deps, row.id, info, { ttlMs: MFA_PENDING_TTL_MS, mfaPending: true });
  await repo.insertPlatformEvent(deps.db, { actor: `account:${row.id}`, action: 'auth.mfa_challenged', target: `session:${session.id}`, details: { ip: info.ip } });
  return { mfaRequired: true, token, csrfToken: csrfToken(deps.tokenKeys, token) };
}

/** A new session for the account: the token for the cookie, only its hash stored. */
export async function openSession(deps: AuthDeps, accountId: string, info: RequestInfo, options: { ttlMs: number; mfaPending: boolean }) {
  const token = newToken();
  const session = await repo.insertSession(deps.db, {
    accountId,
    tokenHash: tokenHash(token),
    ttlMs: options.ttlMs,
    ip: info.ip,
    userAgent: info.userAgent?.slice(0, 500) ?? null,
    mfaPending: options.mfaPending,
  });
  return { token, session };
}

/** The signed-in account behind a session cookie, sliding its expiry at most once a minute. */
export async function authenticate(deps: Pick<AuthDeps, 'db'>, token: string): Promise<AdminContext | undefined> {
  const session = await repo.findLiveSession(deps.db, tokenHash(token));
  if (!session) return undefined;
  const row = await repo.findAccount(deps.db, session.account_id);
  if (!row) return undefined;
  let expiresAt = session.expires_at;
  let refreshed = false;
  if (session.mfa_pending) return { account: toAccount(row), sessionId: session.id, token, expiresAt, refreshed, mfaPending: true };
  if (Date.now() - session.last_seen_at.getTime() >= SESSION_TOUCH_MS) {
    const next = await repo.touchSession(deps.db, session.id, SESSION_TTL_MS);
    if (!next) return undefined;
    expiresAt = next;
    refreshed = true;
  }
  return { account: toAccount(row), sessionId: session.id, token, expiresAt, refreshed, mfaPending: false };
}

export async function signOut(deps: AuthDeps, ctx: AdminContext, info: RequestInfo): Promise<void> {
  await repo.deleteSession(deps.db, ctx.sessionId);
  await repo.insertPlatformEvent(deps.db, { actor: `account:${ctx.account.id}`, action: 'auth.sign_out', target: `session:${ctx.sessionId}`, details: { ip: info.ip } });
}

/** Keeps this session, revokes every other one. A wrong current password counts as a failed sign-in. */
export async function changePassword(deps: AuthDeps, ctx: AdminContext, input: { current: string; next: string }, info: RequestInfo): Promise<void> {
  const keys = { email: ctx.account.email, ip: info.ip, device: knownDevice(deps, ctx.account.id, info) };
  const waitMs = await deps.throttle.attempt(keys);
  if (waitMs > 0) throw new TooManyAttempts(waitMs);
  const row = await repo.findAccount(deps.db, ctx.account.id);
  if (!row || !(await verifyPassword(row.password_hash, input.current))) {
    await repo.insertPlatformEvent(deps.db, { actor: `account:${ctx.account.id}`, action: 'auth.password_change_failed', target: `account:${ctx.account.id}`, details: { ip: info.ip } });
    throw new HttpError(403, 'wrong_password', 'The current password is not correct.');
  }
  await deps.throttle.succeeded(keys);
  const problem = passwordProblem(input.next, row.email);
  if (problem) throw weakPassword(problem);
  await repo.updatePassword(deps.db, row.id, await hashPassword(input.next), ctx.sessionId);
  await repo.insertPlatformEvent(deps.db, { actor: `account:${row.id}`, action: 'auth.password_changed', target: `account:${row.id}`, details: { ip: info.ip } });
}

/**
 * Sends a reset link if the account exists. Run after the answer (202 either way), so
 * neither the answer nor its timing tells whether the account exists.
 */
export async function requestPasswordReset(deps: AuthDeps, email: string, info: RequestInfo): Promise<void> {
  const row = await repo.findAccountByEmail(deps.db, email);
  if (!row || !(await deps.mayMail(row.email))) return;
  // Hex, not base64url: the log scrubber never mistakes 64 hex characters for a provider key.
  const token = randomBytes(32).toString('hex');
  await repo.insertResetToken(deps.db, row.id, tokenHash(token), RESET_TTL_MS);
  await repo.insertPlatformEvent(deps.db, { actor: 'anonymous', action: 'auth.password_reset_requested', target: `account:${row.id}`, details: { ip: info.ip } });
  const link = `${deps.publicUrl}/admin/reset-password#token=${token}`;
  const text = `Someone asked to reset the password of your Parley account. To choose a new one, open:\n\n${link}\n\nThe link works once, for one hour. If it was not you, ignore this message.`;
  await deps.mailer.send({ to: row.email, subject: 'Reset your Parley password', text });
}

/** Sets the new password and revokes every session of the account. */
export async function confirmPasswordReset(deps: AuthDeps, input: { token: string; password: string }, info: RequestInfo): Promise<void> {
  const hash = tokenHash(input.token);
  const accountId = await repo.consumeResetToken(deps.db, hash, await preparedHash(input.password));
  if (!accountId) throw new HttpError(400, 'invalid_reset_token', 'This reset link is invalid, used or expired. Ask for a new one.');
  await repo.insertPlatformEvent(deps.db, { actor: `account:${accountId}`, action: 'auth.password_reset', target: `account:${accountId}`, details: { ip: info.ip } });
}

async function preparedHash(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw weakPassword(problem);
  return hashPassword(password);
}
