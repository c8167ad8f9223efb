import { z } from 'zod';

export const MAX_CONTENT_CHARS = 4000;

/** `POST /api/widget/conversations`: the body is `{}`; nothing in it is read. */
export const createConversationBody = z.object({});

/** `POST /api/widget/conversations/:id/messages` */
export const messageBody = z.object({
  /** The visitor's message: 1–4000 characters (code points) once trimmed; stored trimmed. */
  content: z
    .string()
    .trim()
    .refine((s) => s.length > 0 && [...s].length <= MAX_CONTENT_CHARS, { error: `must be 1 to ${MAX_CONTENT_CHARS} characters` }),
});
