import { hash, verify } from '@node-rs/argon2';
import { COMMON_PASSWORDS } from './common-passwords.js';

export const MIN_PASSWORD_LENGTH = 10;
/** Long enough for any passphrase, short enough that hashing it cannot be used to stall the server. */
export const MAX_PASSWORD_LENGTH = 256;
// @node-rs/argon2's Algorithm.Argon2id; the const enum cannot be imported under isolatedModules.
const ARGON2ID = 2;

/** Why a new password is refused, as a sentence for the person choosing it; undefined when it is acceptable. */
export function passwordProblem(password: string, email?: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Choose a password of at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  // "password123!" and "Qwerty2024" are the list's words with the usual decorations.
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, '');
  if (COMMON_PASSWORDS.has(lower) || (core.length > 0 && COMMON_PASSWORDS.has(core))) {
    return 'This password is one of the most commonly used; choose another.';
  }
  if (new Set(lower).size < 3) return 'This password repeats too few characters; choose another.';
  const local = email?.toLowerCase().split('@')[0] ?? '';
  if (email && (lower === email.toLowerCase() || (local.length >= 4 && core === local))) {
    return 'This password is too close to your email address; choose another.';
  }
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

/** False for a wrong password and for a hash that cannot be read (never throws on bad input). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * A hash of nothing anyone knows, verified against when the email is unknown, so an
 * unknown account costs the same time as a wrong password.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`parley-dummy-${Math.random()}-${Date.now()}`);
  return dummy;
}
