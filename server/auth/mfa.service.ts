import QRCode from 'qrcode';
import { HttpError } from '../http/errors.js';
import type { Keyring } from '../keys/keyring.js';
import { seal, unseal } from '../keys/seal.js';
import * as repo from './auth.repo.js';
import { deviceTokenFor, knownDevice, TooManyAttempts, toAccount, type Account, type AdminContext, type AuthDeps, type RequestInfo, type SignedIn } from './auth.service.js';
import { newRecoveryCodes, newTotpSecret, otpauthUrl, recoveryCodeHash, totpStep } from './mfa.codes.js';
import * as mfaRepo from './mfa.repo.js';
import { verifyPassword } from './password.js';
import { csrfToken, newToken, SESSION_TTL_MS, tokenHash } from './session-token.js';

export interface MfaDeps extends AuthDeps {
  /** MASTER_KEYS: the TOTP secret is sealed under it. */
  masterKeys: Keyring;
}

type Factor = 'totp' | 'recovery';

const invalidCode = () => new HttpError(401, 'invalid_code', 'This code is not correct, or it was already used.');
const wrongPassword = () => new HttpError(403, 'wrong_password', 'The password is not correct.');
const mfaOff = () => new HttpError(409, 'mfa_not_enabled', 'Two-factor authentication is not on for this account.');
// Bound into the seal, so a sealed secret copied to another account, or a sealed BYOK key, does not open.
const sealAad = (accountId: string) => `mfa-totp:${accountId}`;

/** Starts (or restarts) enrolment: a new secret, stored sealed, unused until a code confirms it. */
export async function setup(deps: MfaDeps, ctx: AdminContext): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }> {
  const secret = newTotpSecret();
  const { keyId, nonce, ciphertext } = seal(deps.masterKeys, sealAad(ctx.account.id), secret);
  if (!(await mfaRepo.storePendingSecret(deps.db, ctx.account.id, { keyId, nonce, ciphertext }))) {
    throw new HttpError(409, 'mfa_already_enabled', 'Two-factor authentication is already on. Turn it off first to enrol a new device.');
  }
  const url = otpauthUrl(secret, ctx.account.email);
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  // A data: URL for an <img src>: the panel never inserts markup.
  return { secret, otpauthUrl: url, qrSvg: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/** Confirms the secret from setup with a current code; returns the recovery codes, shown this once. */
export async function enable(deps: MfaDeps, ctx: AdminContext, code: string, info: RequestInfo): Promise<string[]> {
  const accountId = ctx.account.id;
  const row = await mfaRepo.findMfa(deps.db, accountId);
  if (row?.enabled_at) throw new HttpError(409, 'mfa_already_enabled', 'Two-factor authentication is already on.');
  if (!row?.ciphertext) throw new HttpError(409, 'mfa_setup_required', 'Start with POST /auth/mfa/setup.');
  const codes = newRecoveryCodes();
  await throttled(deps, ctx.account, info, 'enable', async () => {
    const step = await totpStep(openSecret(deps, accountId, row), code, row.last_step);
    return step !== undefined && (await mfaRepo.enable(deps.db, accountId, row.nonce!, step, codes.map((c) => recoveryCodeHash(c)!))) ? 'totp' : undefined;
  });
  await event(deps, accountId, 'auth.mfa_enabled', info);
  return codes;
}

/** Turns MFA off: needs the password and a TOTP or recovery code. */
export async function disable(deps: MfaDeps, ctx: AdminContext, input: { password: string; code: string }, info: RequestInfo): Promise<void> {
  const accountId = ctx.account.id;
  if (!ctx.account.mfaEnabled) throw mfaOff();
  await throttled(deps, ctx.account, info, 'disable', async () => {
    const row = await repo.findAccount(deps.db, accountId);
    if (!row || !(await verifyPassword(row.password_hash, input.password))) return wrongPassword();
    return checkFactor(deps, accountId, input.code, info);
  });
  await mfaRepo.disable(deps.db, accountId);
  await event(deps, accountId, 'auth.mfa_disabled', info);
}

/** New recovery codes for old: needs a TOTP or recovery code. */
export async function regenerateRecoveryCodes(deps: MfaDeps, ctx: AdminContext, code: string, info: RequestInfo): Promise<string[]> {
  const accountId = ctx.account.id;
  if (!ctx.account.mfaEnabled) throw mfaOff();
  await throttled(deps, ctx.account, info, 'recovery_codes', () => checkFactor(deps, accountId, code, info));
  const codes = newRecoveryCodes();
  if (!(await mfaRepo.replaceRecoveryCodes(deps.db, accountId, codes.map((c) => recoveryCodeHash(c)!)))) throw mfaOff();
  await event(deps, accountId, 'auth.mfa_recovery_codes_regenerated', info);
  return codes;
}

/** The second step of signing in: a half-signed-in session becomes a full one, under a new token. */
export async function verifySignIn(deps: MfaDeps, pending: AdminContext, code: string, info: RequestInfo): Promise<SignedIn> {
  const accountId = pending.account.id;
  await throttled(deps, pending.account, info, 'sign_in', () => checkFactor(deps, accountId, code, info));
  const token = newToken();
  const expiresAt = await mfaRepo.completePendingSession(deps.db, pending.sessionId, tokenHash(token), SESSION_TTL_MS);
  if (!expiresAt) throw new HttpError(401, 'unauthenticated', 'Please sign in.');
  const row = await repo.findAccount(deps.db, accountId);
  if (!row) throw new HttpError(401, 'unauthenticated', 'Please sign in.');
  await repo.insertPlatformEvent(deps.db, { actor: `account:${accountId}`, action: 'auth.sign_in', target: `session:${pending.sessionId}`, details: { ip: info.ip, mfa: true } });
  return { account: toAccount(row), token, expiresAt, csrfToken: csrfToken(deps.tokenKeys, token), deviceToken: deviceTokenFor(deps, accountId, info) };
}

/**
 * A current TOTP code (each time step once) or an unused recovery code (consumed).
 * Undefined when neither: the caller counts it as a failure.
 */
async function checkFactor(deps: MfaDeps, accountId: string, code: string, info: RequestInfo): Promise<Factor | undefined> {
  const row = await mfaRepo.findMfa(deps.db, accountId);
  if (!row?.enabled_at) return undefined;
  const step = await totpStep(openSecret(deps, accountId, row), code, row.last_step);
  if (step !== undefined) return (await mfaRepo.acceptStep(deps.db, accountId, step)) ? 'totp' : undefined;
  const hash = recoveryCodeHash(code);
  if (hash && (await mfaRepo.consumeRecoveryCode(deps.db, accountId, hash))) {
    await event(deps, accountId, 'auth.mfa_recovery_code_used', info);
    return 'recovery';
  }
  return undefined;
}

function openSecret(deps: MfaDeps, accountId: string, row: mfaRepo.MfaRow): string {
  return unseal(deps.masterKeys, sealAad(accountId), { keyId: row.key_id!, nonce: row.nonce!, ciphertext: row.ciphertext! });
}

/**
 * Counts the attempt in the sign-in throttle (per account and per IP) before checking,
 * so codes cannot be guessed faster than passwords. A failure (undefined: a wrong code,
 * or a more precise error) is audited and refused.
 */
async function throttled(deps: MfaDeps, account: Account, info: RequestInfo, step: string, check: () => Promise<Factor | HttpError | undefined>): Promise<Factor> {
  // A known device passes the account's lock here too, or the owner would get past the password and stop at the code.
  const keys = { email: account.email, ip: info.ip, device: knownDevice(deps, account.id, info) };
  const waitMs = await deps.throttle.attempt(keys);
  if (waitMs > 0) throw new TooManyAttempts(waitMs);
  const factor = await check();
  if (factor === undefined || factor instanceof HttpError) {
    const reason = factor?.code ?? 'invalid_code';
    await repo.insertPlatformEvent(deps.db, { actor: `account:${account.id}`, action: 'auth.mfa_failed', target: `account:${account.id}`, details: { ip: info.ip, step, reason } });
    throw factor ?? invalidCode();
  }
  await deps.throttle.succeeded(keys);
  return factor;
}

async function event(deps: MfaDeps, accountId: string, action: string, info: RequestInfo): Promise<void> {
  await repo.insertPlatformEvent(deps.db, { actor: `account:${accountId}`, action, target: `account:${accountId}`, details: { ip: info.ip } });
}
