// A workspace's knowledge settings: columns of widget_settings (migration 0013).
import type { Db, Queryable } from '../db/db.js';
import { withTenant } from '../db/tenant.js';

export type KnowledgeStrictness = 'sources_only' | 'sources_and_general';

export interface KnowledgeSettings {
  /** sources_only: answer from the sources or say unknownAnswer; sources_and_general: general knowledge too. */
  strictness: KnowledgeStrictness;
  /** What the assistant says under sources_only when the sources do not have the answer. */
  unknownAnswer: string;
  /** Whether scanned PDFs and images may be sent to Mistral OCR. */
  allowOcr: boolean;
}

/** The columns' defaults in migration 0013 (a test holds them equal), for a workspace without a settings row. */
export const KNOWLEDGE_DEFAULTS: Readonly<KnowledgeSettings> = {
  strictness: 'sources_and_general',
  unknownAnswer: 'Sorry, I could not find the answer to that in our documentation.',
  allowOcr: false,
};

const COLUMNS = `knowledge_strictness AS strictness, knowledge_unknown_answer AS "unknownAnswer", knowledge_allow_ocr AS "allowOcr"`;
const PATCH: Record<keyof KnowledgeSettings, string> = { strictness: 'knowledge_strictness', unknownAnswer: 'knowledge_unknown_answer', allowOcr: 'knowledge_allow_ocr' };

export async function getKnowledgeSettings(db: Db, workspaceId: string): Promise<KnowledgeSettings> {
  return withTenant(db, workspaceId, (q) => readKnowledgeSettings(q, workspaceId));
}

/** getKnowledgeSettings in the caller's tenant transaction; forUpdate locks the row until it ends. */
export async function readKnowledgeSettings(q: Queryable, workspaceId: string, options: { forUpdate?: boolean } = {}): Promise<KnowledgeSettings> {
  const { rows } = await q.query<KnowledgeSettings>(`SELECT ${COLUMNS} FROM widget_settings WHERE workspace_id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [workspaceId]);
  return rows[0] ?? { ...KNOWLEDGE_DEFAULTS };
}

/** Changes the given settings (creating the workspace's settings row if it has none); returns them all. */
export async function updateKnowledgeSettings(db: Db, workspaceId: string, patch: Partial<KnowledgeSettings>): Promise<KnowledgeSettings> {
  return withTenant(db, workspaceId, (q) => saveKnowledgeSettings(q, workspaceId, patch));
}

/** updateKnowledgeSettings in the caller's tenant transaction. */
export async function saveKnowledgeSettings(q: Queryable, workspaceId: string, patch: Partial<KnowledgeSettings>): Promise<KnowledgeSettings> {
  const keys = (Object.keys(PATCH) as (keyof KnowledgeSettings)[]).filter((k) => patch[k] !== undefined);
  if (keys.length === 0) return readKnowledgeSettings(q, workspaceId);
  const columns = keys.map((k) => PATCH[k]);
  const { rows } = await q.query<KnowledgeSettings>(
    `INSERT INTO widget_settings (workspace_id, ${columns.join(', ')}) VALUES ($1, ${keys.map((_, i) => `$${i + 2}`).join(', ')})
     ON CONFLICT (workspace_id) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
     RETURNING ${COLUMNS}`,
    [workspaceId, ...keys.map((k) => patch[k])],
  );
  return rows[0]!;
}
