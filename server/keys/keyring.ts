import { randomBytes } from 'node:crypto';

/** One named 256-bit key. The id travels with everything sealed or signed under it. */
export interface KeyringKey {
  readonly id: string;
  readonly key: Buffer;
}

/** Keys by id; the first one listed is the active key for new seals and signatures. */
export interface Keyring {
  readonly active: KeyringKey;
  readonly keys: ReadonlyMap<string, Buffer>;
}

const ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
export const KEY_BYTES = 32;

/**
 * Parses `id:base64key[,id:base64key…]`. Error messages name the entry and its id,
 * never the key material, because they end up on a terminal or in a log.
 */
export function parseKeyring(text: string): Keyring {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  if (entries.length === 0) throw new Error('is empty; expected id:base64key[,id:base64key…]');
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where} has no "id:" prefix; expected id:base64key`);
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!ID.test(id)) throw new Error(`${where} has an invalid id (1-32 of A-Z a-z 0-9 _ -)`);
    if (keys.has(id)) throw new Error(`${where} repeats the id "${id}"`);
    if (!BASE64.test(encoded)) throw new Error(`key "${id}" is not base64`);
    const key = Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64');
    if (key.length !== KEY_BYTES) {
      throw new Error(`key "${id}" must decode to ${KEY_BYTES} bytes, got ${key.length}`);
    }
    keys.set(id, key);
  });
  const [firstId, firstKey] = [...keys][0]!;
  return { active: { id: firstId, key: firstKey }, keys };
}

/** A new single-key keyring in the textual form `parseKeyring` reads. */
export function generateKeyringText(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
