// `npm run backup:keygen`: a new Ed25519 key pair for signing backups. The private half
// goes into BACKUP_SIGNING_KEY on the server; the public half, BACKUP_VERIFY_KEY, goes
// wherever backups are restored or verified. Printed, never written to a file.
import { generateSigningKeyPair, keyId, parseVerifyKey } from './signing.js';

const { signingKey, verifyKey } = generateSigningKeyPair();
console.log(`# Parley backup signing key pair ${keyId(parseVerifyKey(verifyKey))}, created ${new Date().toISOString()}`);
console.log('# On the server only (private: signs every backup):');
console.log(`BACKUP_SIGNING_KEY=${signingKey}`);
console.log('# Where you restore or verify (public: restore refuses backups it does not verify):');
console.log(`BACKUP_VERIFY_KEY=${verifyKey}`);
