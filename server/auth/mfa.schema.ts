import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from './password.js';

/** A 6-digit TOTP code or a recovery code (`abcd-efgh-jkmn-pqrs`; case, spaces and dashes ignored). */
const code = z.string().trim().min(6).max(40);

export const mfaCodeBody = z.strictObject({ code });

export const mfaDisableBody = z.strictObject({
  /** The account's password. */
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  code,
});
