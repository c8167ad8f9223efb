import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../server/db/db.js';
import { withTenant, withoutTenant } from '../../server/db/tenant.js';

export interface SeededWorkspace {
  id: string;
  accountId: string;
  visitorId: string;
  conversationId: string;
}

/**
 * A workspace with one row in every tenant table, written through withTenant
 * as the application would. Each test makes its own, so tests share a database.
 */
export async function seedWorkspace(db: Db, name = 'Test workspace'): Promise<SeededWorkspace> {
  const id = randomUUID();
  const accountId = randomUUID();
  await withoutTenant(db, (q) =>
    q.query('INSERT INTO accounts (id, email, password_hash) VALUES ($1, $2, $3)', [accountId, `${accountId}@example.test`, 'x']),
  );
  return withTenant(db, id, async (q) => {
    await q.query('INSERT INTO workspaces (id, public_id, name) VALUES ($1, $2, $3)', [id, `wk_${randomBytes(8).toString('hex')}`, name]);
    await q.query("INSERT INTO memberships (workspace_id, account_id, role) VALUES ($1, $2, 'owner')", [id, accountId]);
    await q.query('INSERT INTO widget_settings (workspace_id, allowed_origins) VALUES ($1, $2)', [id, ['https://site.example']]);
    await q.query("INSERT INTO api_keys (workspace_id, name, scope, key_hash, prefix) VALUES ($1, 'ci', 'read', $2, 'pk_x')", [id, randomBytes(32)]);
    await q.query(
      "INSERT INTO provider_keys (workspace_id, provider, key_id, nonce, ciphertext, last4) VALUES ($1, 'mistral', 'm1', $2, $3, 'abcd')",
      [id, randomBytes(12), randomBytes(48)],
    );
    const { rows: [visitor] } = await q.query<{ id: string }>('INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, $2) RETURNING id', [id, randomBytes(32)]);
    const { rows: [conversation] } = await q.query<{ id: string }>(
      'INSERT INTO conversations (workspace_id, visitor_id) VALUES ($1, $2) RETURNING id',
      [id, visitor!.id],
    );
    await q.query(
      "INSERT INTO messages (workspace_id, conversation_id, role, content) VALUES ($1, $2, 'user', 'hello'), ($1, $2, 'assistant', 'hi')",
      [id, conversation!.id],
    );
    await q.query(
      "INSERT INTO invitations (workspace_id, email, role, token_hash, expires_at) VALUES ($1, 'invitee@example.test', 'viewer', $2, now() + interval '1 day')",
      [id, randomBytes(32)],
    );
    await q.query("INSERT INTO audit_events (workspace_id, actor_label, action) VALUES ($1, 'test', 'workspace.created')", [id]);
    await q.query('INSERT INTO token_usage (workspace_id, day, prompt_tokens, completion_tokens) VALUES ($1, current_date, 10, 20)', [id]);
    const { rows: [source] } = await q.query<{ id: string }>(
      "INSERT INTO knowledge_sources (workspace_id, kind, title, file_name, file_mime, file_size) VALUES ($1, 'file', 'Handbook', 'handbook.md', 'text/markdown', 24) RETURNING id",
      [id],
    );
    await q.query('INSERT INTO knowledge_files (source_id, workspace_id, data) VALUES ($1, $2, $3)', [source!.id, id, Buffer.from('# Refunds\n\nWithin 14 days.')]);
    const { rows: [document] } = await q.query<{ id: string }>(
      "INSERT INTO knowledge_documents (workspace_id, source_id, title, markdown, status) VALUES ($1, $2, 'Handbook', '# Refunds', 'ready') RETURNING id",
      [id, source!.id],
    );
    await q.query(
      "INSERT INTO knowledge_chunks (workspace_id, source_id, document_id, position, heading_path, title, content, content_hash, token_estimate) VALUES ($1, $2, $3, 0, 'Refunds', 'Handbook', 'Within 14 days.', $4, 4)",
      [id, source!.id, document!.id, randomBytes(32)],
    );
    return { id, accountId, visitorId: visitor!.id, conversationId: conversation!.id };
  });
}
