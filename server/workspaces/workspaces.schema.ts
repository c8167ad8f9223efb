import { z } from 'zod';
import { email } from '../auth/auth.schema.js';
import { ROLES } from './roles.js';

const name = z.string().trim().min(1, { error: 'must not be empty' }).max(200);
const role = z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` });

export const createWorkspaceBody = z.strictObject({ name });

export const updateWorkspaceBody = z
  .strictObject({ name: name.optional(), requireMfa: z.boolean().optional() })
  .refine((b) => b.name !== undefined || b.requireMfa !== undefined, { error: 'name or requireMfa is required' });

export const deleteWorkspaceBody = z.strictObject({
  /** The workspace's name, typed again. */
  confirm: z.string(),
});

export const updateMemberBody = z.strictObject({ role });

export const inviteBody = z.strictObject({ email, role });

export const acceptInvitationBody = z.strictObject({
  token: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be the token from the invitation link' }),
});

export const uuidParam = z.uuid({ error: 'must be an id' });
