import { z } from 'zod';
import { parseAllowedOrigins } from '../http/allowed-origins.js';
import { THEME_POSITIONS, themeColor } from '../widget-session/widget-session.schema.js';

/** Mistral models a workspace may choose; the operator's MISTRAL_MODEL is always allowed too. */
export const MISTRAL_MODELS = ['mistral-small-latest', 'mistral-medium-latest', 'mistral-large-latest', 'ministral-8b-latest', 'ministral-3b-latest'] as const;

/** The launcher's corner as the admin API spells it; the widget's theme stores `right`/`left`. */
export const POSITIONS = THEME_POSITIONS.map((p) => `bottom-${p}` as const);
export type Position = (typeof POSITIONS)[number];

/** The settings an admin (or owner) may change; member may change the rest. */
export const ADMIN_FIELDS = ['allowedOrigins', 'retentionDays', 'maxReplyTokens'] as const;

const allowedOrigins = z
  .array(z.string({ error: 'must be a string' }), { error: 'must be a list of origins' })
  .max(500, { error: 'too many entries' })
  .transform((list, ctx) => {
    const parsed = parseAllowedOrigins(list);
    if (parsed.ok) return parsed.origins;
    ctx.issues.push({ code: 'custom', message: parsed.reason, path: [parsed.index], input: list[parsed.index] });
    return z.NEVER;
  });

/** `PATCH /workspaces/:id/settings`: any subset of the fields, at least one. maxReplyTokensCeiling is MAX_REPLY_TOKENS. */
export function settingsPatchBody(models: readonly string[], maxReplyTokensCeiling: number) {
  return z
    .strictObject({
      /** Origins (scheme://host[:port], or scheme://*.domain) whose pages may embed the widget. */
      allowedOrigins: allowedOrigins.optional(),
      /** The chat panel's heading. */
      title: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }).optional(),
      /** The first message a visitor sees. */
      greeting: z.string({ error: 'must be a string' }).trim().max(1000, { error: 'must be at most 1000 characters' }).optional(),
      /** Accent colour, #rrggbb; stored lower case. */
      color: themeColor.transform((c) => c.toLowerCase()).optional(),
      position: z.enum(POSITIONS, { error: `must be one of ${POSITIONS.join(', ')}` }).optional(),
      /** Instructions sent to the model before every conversation. */
      systemPrompt: z.string({ error: 'must be a string' }).max(20_000, { error: 'must be at most 20000 characters' }).optional(),
      /** A model from the allowed list, or null for the operator's default (MISTRAL_MODEL). */
      model: z.enum(models as [string, ...string[]], { error: `must be null or one of ${models.join(', ')}` }).nullable().optional(),
      /** Days chat logs are kept before the retention job deletes them. */
      retentionDays: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(3650, { error: 'must be at most 3650' }).optional(),
      /** The longest reply, in tokens (sent to the model as max_tokens); null for the server's ceiling. */
      maxReplyTokens: z
        .number({ error: 'must be a number or null' })
        .int({ error: 'must be a whole number' })
        .min(1, { error: 'must be at least 1' })
        .max(maxReplyTokensCeiling, { error: `must be at most ${maxReplyTokensCeiling}, this server's limit` })
        .nullable()
        .optional(),
    })
    .refine((b) => Object.values(b).some((v) => v !== undefined), { error: 'send at least one setting to change' });
}

export type SettingsPatch = z.output<ReturnType<typeof settingsPatchBody>>;
