import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyringText } from './keyring.js';

export interface KeyringTexts {
  MASTER_KEYS: string;
  TOKEN_KEYS: string;
}

export const DEV_KEYRINGS_FILE = 'dev-keyrings.json';

/**
 * Outside production a missing keyring is generated once into DATA_DIR and reused, so
 * sealed secrets and issued tokens survive restarts without any setup.
 */
export function loadOrCreateDevKeyrings(dataDir: string): KeyringTexts {
  const file = join(dataDir, DEV_KEYRINGS_FILE);
  if (existsSync(file)) {
    // Tighten permissions that a copy or an archive tool may have loosened.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeyringTexts>;
    if (typeof parsed.MASTER_KEYS === 'string' && typeof parsed.TOKEN_KEYS === 'string') {
      return { MASTER_KEYS: parsed.MASTER_KEYS, TOKEN_KEYS: parsed.TOKEN_KEYS };
    }
    throw new Error(`${file} is not a valid keyring file; move it away to generate a new one`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const texts: KeyringTexts = { MASTER_KEYS: generateKeyringText(), TOKEN_KEYS: generateKeyringText() };
  writeFileSync(file, `${JSON.stringify(texts, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return texts;
}
