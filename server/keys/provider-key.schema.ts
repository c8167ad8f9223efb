import { z } from 'zod';

export const putProviderKeyBody = z.strictObject({
  /**
   * The workspace's Mistral API key. Messages never quote it: they reach the panel and
   * could reach a log.
   */
  apiKey: z
    .string({ error: 'must be a string' })
    .trim()
    .min(20, { error: 'is too short to be an API key (at least 20 characters)' })
    .max(200, { error: 'is too long to be an API key (at most 200 characters)' })
    .regex(/^[\x21-\x7e]+$/, { error: 'may contain only printable ASCII characters and no spaces' }),
});
