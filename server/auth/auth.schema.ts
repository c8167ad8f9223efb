import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from './password.js';

/** An email address as typed, surrounding spaces removed; compared case-insensitively. */
export const email = z.string().trim().max(320).pipe(z.email({ error: 'must be an email address' }));
/** Any password up to the maximum; strength is checked by the service, with a sentence. */
const password = z.string().min(1).max(MAX_PASSWORD_LENGTH);

/** A token from a mailed link: 64 hex characters. */
const linkToken = (what: string) => z.string().regex(/^[0-9a-f]{64}$/, { error: `must be the token from the ${what}` });

/** The first step of signing up: the password is chosen from the mailed link (POST /sign-up/complete). */
export const signUpBody = z.strictObject({
  email,
  /** Shown to workspace members; optional. */
  name: z.string().trim().min(1).max(200).optional(),
  /** With SIGNUP=invite: the token of an invitation sent to this address. */
  invitation: linkToken('invitation link').optional(),
});

export const signUpCompleteBody = z.strictObject({
  token: linkToken('sign-up link'),
  password,
});

export const signInBody = z.strictObject({ email, password });

export const changePasswordBody = z.strictObject({
  /** The password in use now. */
  current: password,
  /** The one to use from now on. */
  next: password,
});

export const resetRequestBody = z.strictObject({ email });

export const resetConfirmBody = z.strictObject({
  /** From the reset link: 64 hex characters. */
  token: linkToken('reset link'),
  password,
});
