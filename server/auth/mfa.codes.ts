import { createHash, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';

/** How many recovery codes an account holds after enabling MFA or regenerating them. */
export const RECOVERY_CODE_COUNT = 10;
/** TOTP parameters every authenticator app understands: SHA-1, 6 digits, 30 s. */
export const TOTP_PERIOD_S = 30;
/** One step either side of now, for phones whose clock is a little off. */
const TOTP_TOLERANCE_S = TOTP_PERIOD_S;

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A new base32 TOTP secret: 160 random bits. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The otpauth:// URL an authenticator app reads from the QR code. */
export function otpauthUrl(secret: string, accountEmail: string, issuer = 'Parley'): string {
  return generateURI({ issuer, label: accountEmail, secret });
}

/**
 * The time step of a valid code, or undefined. Steps at or before afterStep are refused,
 * so a code already used (or an older one) cannot be replayed.
 */
export async function totpStep(secret: string, code: string, afterStep: number | null, epochS = Math.floor(Date.now() / 1000)): Promise<number | undefined> {
  if (!isTotpCode(code)) return undefined;
  // A step used at or past the newest this clock accepts (another instance's clock ran
  // ahead, or this one went back) leaves nothing to accept; otplib would throw on it.
  if (afterStep !== null && afterStep >= Math.floor((epochS + TOTP_TOLERANCE_S) / TOTP_PERIOD_S)) return undefined;
  const result = await verify({ secret, token: code, epoch: epochS, epochTolerance: TOTP_TOLERANCE_S, ...(afterStep === null ? {} : { afterTimeStep: afterStep }) });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

export function isTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code);
}

/**
 * Ten codes of 16 characters from a 31-letter alphabet without look-alikes (79 bits
 * each), grouped by four: `abcd-efgh-jkmn-pqrs`.
 */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 16 }, () => ALPHABET[randomInt(ALPHABET.length)]!);
    return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
  });
}

/** A recovery code as typed: case, spaces and dashes do not matter. Undefined if it cannot be one. */
export function normalizeRecoveryCode(code: string): string | undefined {
  const plain = code.toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z0-9]{16}$/.test(plain) ? plain : undefined;
}

/** What is stored: SHA-256 of the normalized code. The codes carry 80 random bits, so no slow hash is needed. */
export function recoveryCodeHash(code: string): Buffer | undefined {
  const plain = normalizeRecoveryCode(code);
  return plain === undefined ? undefined : createHash('sha256').update(`parley-recovery:${plain}`).digest();
}
