import { z } from 'zod';

export const API_KEY_SCOPES = ['read', 'write'] as const;

export const createApiKeyBody = z.strictObject({
  /** What the key is for, shown in the list ("CRM sync"). */
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(100),
  /** read: list and read conversations; write: read + delete them. */
  scope: z.enum(API_KEY_SCOPES, { error: 'must be read or write' }),
});

export const keyIdParam = z.uuid({ error: 'must be an id' });
