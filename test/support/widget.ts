import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Db } from '../../server/db/db.js';
import { withTenant } from '../../server/db/tenant.js';
import type { Keyring } from '../../server/keys/keyring.js';
import { seal } from '../../server/keys/seal.js';

/** The customer's site the widget is embedded in. */
export const SITE = 'https://site.example';

export interface WidgetWorkspace {
  id: string;
  publicId: string;
}

/** A workspace as its admin would set it up for the widget; each test makes its own. */
export async function seedWidgetWorkspace(
  db: Db,
  options: { origins?: string[]; byok?: { keyring: Keyring; key: string }; model?: string; systemPrompt?: string; theme?: unknown } = {},
): Promise<WidgetWorkspace> {
  const id = randomUUID();
  const publicId = `wk_${randomBytes(8).toString('hex')}`;
  await withTenant(db, id, async (q) => {
    await q.query('INSERT INTO workspaces (id, public_id, name) VALUES ($1, $2, $3)', [id, publicId, 'Widget test']);
    await q.query('INSERT INTO widget_settings (workspace_id, allowed_origins, model, system_prompt, theme) VALUES ($1, $2, $3, $4, $5)', [
      id,
      options.origins ?? [SITE],
      options.model ?? null,
      options.systemPrompt ?? '',
      JSON.stringify(options.theme ?? {}),
    ]);
    if (options.byok) {
      const sealed = seal(options.byok.keyring, id, options.byok.key);
      await q.query(
        "INSERT INTO provider_keys (workspace_id, provider, key_id, nonce, ciphertext, last4) VALUES ($1, 'mistral', $2, $3, $4, $5)",
        [id, sealed.keyId, sealed.nonce, sealed.ciphertext, sealed.last4],
      );
    }
  });
  return { id, publicId };
}

/** An address of its own for each simulated visitor, so per-address limits of one test do not hit another. */
export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/** HTTP as the widget on a customer's page does it: Origin, JSON, and the visitor's address via the local proxy. */
export function widgetHttp(baseUrl: string, options: { origin?: string | null; ip?: string } = {}) {
  const ip = options.ip ?? randomIp();
  const origin = options.origin === undefined ? SITE : options.origin;
  const headers = (token?: string): Record<string, string> => ({
    'content-type': 'application/json',
    'x-forwarded-for': ip,
    ...(origin !== null && { origin }),
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
  });
  return {
    ip,
    get: (path: string, token?: string) => fetch(`${baseUrl}${path}`, { headers: headers(token) }),
    post: (path: string, body: unknown, token?: string, signal?: AbortSignal) =>
      fetch(`${baseUrl}${path}`, { method: 'POST', headers: headers(token), body: JSON.stringify(body), signal }),
    delete: (path: string, token?: string) => fetch(`${baseUrl}${path}`, { method: 'DELETE', headers: headers(token) }),
  };
}

export type WidgetHttp = ReturnType<typeof widgetHttp>;

export interface ChatVisitor {
  http: WidgetHttp;
  token: string;
  visitorId: string;
  conversationId: string;
}

/** A new visitor of the workspace with a session and one empty conversation. */
export async function newVisitor(baseUrl: string, publicId: string, options: { origin?: string; ip?: string } = {}): Promise<ChatVisitor> {
  const http = widgetHttp(baseUrl, options);
  const session = await http.post('/api/widget/sessions', { workspace: publicId });
  if (session.status !== 201) throw new Error(`session: ${session.status} ${await session.text()}`);
  const { token, visitor } = (await session.json()) as { token: string; visitor: { id: string } };
  const conversation = await http.post('/api/widget/conversations', {}, token);
  if (conversation.status !== 201) throw new Error(`conversation: ${conversation.status} ${await conversation.text()}`);
  const { id } = (await conversation.json()) as { id: string };
  return { http, token, visitorId: visitor.id, conversationId: id };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Parses a text/event-stream body event by event; comment lines are counted, not yielded. */
export async function* sseEvents(res: Response, comments?: string[]): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments?.push(line);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) yield { event, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
    }
  }
}

export async function allEvents(res: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of sseEvents(res)) events.push(event);
  return events;
}

/** The text of a reply as the visitor saw it arrive. */
export const deltaText = (events: SseEvent[]) => events.filter((e) => e.event === 'delta').map((e) => e.data.text as string).join('');

export interface StoredMessage {
  id: string;
  role: string;
  content: string;
  status: string;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

/** What the database holds for a conversation, columns the API never shows included. */
export async function storedMessages(db: Db, workspaceId: string, conversationId: string): Promise<StoredMessage[]> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<StoredMessage>(
      'SELECT id, role, content, status, model, prompt_tokens, completion_tokens FROM messages WHERE conversation_id = $1 ORDER BY created_at, id',
      [conversationId],
    );
    return rows;
  });
}

/** Polls until check passes or the time is up; for effects that land just after a response ends. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}
