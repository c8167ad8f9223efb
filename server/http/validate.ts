import type { z } from 'zod';
import { HttpError } from './errors.js';

/** Parses route input; anything else is a 400 with the given code and every problem listed. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, code: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = details[0]!;
  throw new HttpError(400, code, first.path ? `${first.path}: ${first.message}` : first.message, details);
}
