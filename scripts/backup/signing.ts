import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { BackupError } from './config.js';

/**
 * Backups are signed with Ed25519: age gives secrecy, not authorship (anyone holding a
 * recipient's public key can encrypt a file that decrypts cleanly), so a restore loads
 * only files signed by the server's BACKUP_SIGNING_KEY. Keys travel as one line of
 * base64 DER (PKCS#8 for the private half, SPKI for the public one); PEM works too.
 */
const DOMAIN = 'parley-backup-manifest-v2\n';

export interface SigningKeyPair {
  /** BACKUP_SIGNING_KEY: the private half, for the server. */
  signingKey: string;
  /** BACKUP_VERIFY_KEY: the public half, for restore and backup:verify. */
  verifyKey: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signingKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    verifyKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** The private key in BACKUP_SIGNING_KEY; refuses age keys and anything but Ed25519. */
export function parseSigningKey(value: string, variable = 'BACKUP_SIGNING_KEY'): KeyObject {
  const text = value.trim();
  if (/^(age1|AGE-SECRET-KEY-)/i.test(text)) throw new BackupError(`${variable}: holds an age key; the signing key is a separate Ed25519 key (npm run backup:keygen)`);
  let key: KeyObject;
  try {
    key = text.startsWith('-----BEGIN') ? createPrivateKey(text) : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new BackupError(`${variable}: not an Ed25519 private key (base64 PKCS#8 DER or PEM, as npm run backup:keygen prints it)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new BackupError(`${variable}: a ${key.asymmetricKeyType} key; backups are signed with Ed25519 (npm run backup:keygen)`);
  return key;
}

/** The public key restore and backup:verify check signatures with; the private half is refused so it does not travel. */
export function parseVerifyKey(value: string, source = 'BACKUP_VERIFY_KEY'): KeyObject {
  const text = value.trim();
  if (/^(age1|AGE-SECRET-KEY-)/i.test(text)) throw new BackupError(`${source}: holds an age key; give the public half of the backup signing key (BACKUP_VERIFY_KEY from npm run backup:keygen)`);
  if (/PRIVATE KEY-----/.test(text) || isPrivateDer(text)) {
    throw new BackupError(`${source}: this is the private signing key; give its public half (BACKUP_VERIFY_KEY from npm run backup:keygen), and keep the private one only on the server`);
  }
  let key: KeyObject;
  try {
    key = text.startsWith('-----BEGIN') ? createPublicKey(text) : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new BackupError(`${source}: not an Ed25519 public key (base64 SPKI DER or PEM, as npm run backup:keygen prints it)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new BackupError(`${source}: a ${key.asymmetricKeyType} key; backups are signed with Ed25519`);
  return key;
}

function isPrivateDer(text: string): boolean {
  try {
    createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
    return true;
  } catch {
    return false;
  }
}

/** A short name for a public key (or the public half of a private one), to say which key signed what. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** The last line of a backup: the manifest as signed text, its signature and the signer's key id. */
interface SignedLine {
  manifest: string;
  ed25519: string;
  key: string;
}

export function signedLine(manifestJson: string, key: KeyObject): string {
  const signature = sign(null, Buffer.from(DOMAIN + manifestJson), key).toString('base64');
  const line: SignedLine = { manifest: manifestJson, ed25519: signature, key: keyId(key) };
  return `${JSON.stringify(line)}\n`;
}

/** The manifest text of a signed line, if and only if its signature verifies under key. */
export function verifySignedLine(line: string, key: KeyObject): string {
  let parsed: Partial<SignedLine>;
  try {
    parsed = JSON.parse(line) as Partial<SignedLine>;
  } catch {
    parsed = {};
  }
  if (typeof parsed.manifest !== 'string' || typeof parsed.ed25519 !== 'string') {
    throw new BackupError('the backup is not signed (no signed manifest at its end): refused; only backups made and signed by Parley are restored');
  }
  const ok = verify(null, Buffer.from(DOMAIN + parsed.manifest), key, Buffer.from(parsed.ed25519, 'base64'));
  if (!ok) {
    const by = typeof parsed.key === 'string' && /^[0-9a-f]{16}$/.test(parsed.key) && parsed.key !== keyId(key) ? ` (it names key ${parsed.key}, the verify key is ${keyId(key)})` : '';
    throw new BackupError(`the backup's signature does not verify with the verify key${by}: refused; nothing was loaded`);
  }
  return parsed.manifest;
}
