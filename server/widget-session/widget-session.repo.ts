import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';

export interface WidgetSettings {
  allowedOrigins: string[];
  title: string;
  greeting: string;
  theme: unknown;
}

// The column defaults of widget_settings, for a workspace that has no row yet.
const NO_SETTINGS: WidgetSettings = { allowedOrigins: [], title: 'Chat with us', greeting: 'Hi! How can we help?', theme: {} };

export async function findWidgetSettings(db: Db, workspaceId: string): Promise<WidgetSettings> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<{ allowed_origins: string[]; title: string; greeting: string; theme: unknown }>(
      'SELECT allowed_origins, title, greeting, theme FROM widget_settings WHERE workspace_id = $1',
      [workspaceId],
    );
    const row = rows[0];
    return row ? { allowedOrigins: row.allowed_origins, title: row.title, greeting: row.greeting, theme: row.theme } : NO_SETTINGS;
  });
}

export async function findVisitorSecretHash(db: Db, workspaceId: string, visitorId: string): Promise<Uint8Array | undefined> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<{ secret_hash: Uint8Array }>('SELECT secret_hash FROM visitors WHERE workspace_id = $1 AND id = $2', [workspaceId, visitorId]);
    return rows[0]?.secret_hash;
  });
}

export async function touchVisitor(db: Db, workspaceId: string, visitorId: string): Promise<void> {
  await withTenant(db, workspaceId, (q) => q.query('UPDATE visitors SET last_seen_at = now() WHERE workspace_id = $1 AND id = $2', [workspaceId, visitorId]));
}

export async function insertVisitor(db: Db, workspaceId: string, secretHash: Uint8Array): Promise<string> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<{ id: string }>('INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, $2) RETURNING id', [workspaceId, secretHash]);
    return rows[0]!.id;
  });
}
