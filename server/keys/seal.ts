import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.js';

/** A secret as provider_keys stores it. The ciphertext ends with the 16-byte GCM tag. */
export interface SealedSecret {
  keyId: string;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  /** The only part of the secret ever shown again. */
  last4: string;
}

/** A sealed secret that cannot be opened: its key is gone, or it was altered or moved. */
export class UnsealError extends Error {
  override name = 'UnsealError';
}

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals under the keyring's active key. The workspace id is bound in as additional data,
 * so a row copied to another workspace no longer opens.
 */
export function seal(keyring: Keyring, workspaceId: string, secret: string): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, keyring.active.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(workspaceId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { keyId: keyring.active.id, nonce, ciphertext, last4: secret.slice(-4) };
}

/** Opens a sealed secret with the key named by its key id, which need not be the active one. */
export function unseal(keyring: Keyring, workspaceId: string, sealed: Pick<SealedSecret, 'keyId' | 'nonce' | 'ciphertext'>): string {
  const key = keyring.keys.get(sealed.keyId);
  // Messages name the key id only: they end up in logs.
  if (!key) throw new UnsealError(`no key "${sealed.keyId}" in MASTER_KEYS`);
  const data = Buffer.from(sealed.ciphertext);
  if (sealed.nonce.length !== NONCE_BYTES || data.length < TAG_BYTES) throw new UnsealError('sealed secret is malformed');
  try {
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(sealed.nonce), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(workspaceId, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new UnsealError(`sealed secret does not open under key "${sealed.keyId}" for this workspace`);
  }
}
