// Requests to the knowledge routes as the admin panel and a customer's server make them:
// JSON or multipart uploads, with a session (cookie, CSRF, Origin) or an API key.
import assert from 'node:assert/strict';
import type { AdminCall, AdminClient } from './admin.js';
import { ownerQuery } from './owner-query.js';
import type { TestServer } from './test-server.js';

async function send(url: string, init: RequestInit): Promise<AdminCall> {
  const res = await fetch(url, init);
  const text = await res.text();
  const body = text && res.headers.get('content-type')?.includes('application/json') ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  return { status: res.status, text, headers: res.headers, body };
}

/** A form with one file (and any other fields), as a browser's upload sends it. */
export function fileForm(name: string, data: Uint8Array | string, fields: Record<string, string> = {}, type = 'application/octet-stream'): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([typeof data === 'string' ? data : Buffer.from(data)], { type }), name);
  return form;
}

/** method + path under /api/admin, as the signed-in client, with a multipart or raw body. */
export function adminSend(server: Pick<TestServer, 'url'>, client: AdminClient, method: string, path: string, body: FormData | string, contentType?: string): Promise<AdminCall> {
  const headers: Record<string, string> = { cookie: `__Host-parley_session=${client.token}`, 'x-csrf-token': client.csrf, origin: server.url };
  if (contentType) headers['content-type'] = contentType;
  return send(`${server.url}/api/admin${path}`, { method, headers, body });
}

/** method + path under /api/v1 with the key; a FormData body goes as multipart, anything else as JSON. */
export function apiCall(server: Pick<TestServer, 'url'>, key: string, method: string, path: string, body?: unknown): Promise<AdminCall> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  return send(`${server.url}/api/v1${path}`, { method, headers, body: payload });
}

/** A new API key of the workspace, as its admin creates one; returns the secret. */
export async function newApiKey(admin: AdminClient, workspaceId: string, scope: 'read' | 'write'): Promise<string> {
  const res = await admin.call('POST', `/workspaces/${workspaceId}/api-keys`, { name: `${scope} key`, scope });
  assert.equal(res.status, 201, res.text);
  return res.body!.secret as string;
}

/** Rows of the four knowledge tables for the workspace, read as the owner (past row security). */
export interface KnowledgeRows {
  sources: number;
  files: number;
  documents: number;
  chunks: number;
}

export async function knowledgeRows(server: TestServer, workspaceId: string): Promise<KnowledgeRows> {
  const { rows } = await ownerQuery<KnowledgeRows>(
    server,
    `SELECT (SELECT count(*)::int FROM knowledge_sources WHERE workspace_id = $1) AS sources,
            (SELECT count(*)::int FROM knowledge_files WHERE workspace_id = $1) AS files,
            (SELECT count(*)::int FROM knowledge_documents WHERE workspace_id = $1) AS documents,
            (SELECT count(*)::int FROM knowledge_chunks WHERE workspace_id = $1) AS chunks`,
    [workspaceId],
  );
  return rows[0]!;
}

/** The workspace's audit events of one action, oldest first, read as the owner. */
export async function auditEvents(server: TestServer, workspaceId: string, action: string) {
  const { rows } = await ownerQuery<{ actor_label: string; target_id: string | null; before: Record<string, unknown> | null; after: Record<string, unknown> | null }>(
    server,
    'SELECT actor_label, target_id, before, after FROM audit_events WHERE workspace_id = $1 AND action = $2 ORDER BY id',
    [workspaceId, action],
  );
  return rows;
}
