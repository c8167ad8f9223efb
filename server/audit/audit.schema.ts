import { z } from 'zod';
import { pageLimit } from './cursor.js';

/** `member.` lists every member event; `member.removed` just those. */
const action = z.string().regex(/^[a-z0-9_.]{1,64}$/, { error: 'must be an action or its prefix, e.g. member.' });

export const auditQuery = z.object({
  cursor: z.string().max(500).optional(),
  limit: pageLimit,
  action: action.optional(),
});

export const auditExportQuery = z.object({ action: action.optional() });
