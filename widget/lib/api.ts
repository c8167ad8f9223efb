import type { Theme } from './theme.js';

/** A failed request: HTTP status (0 for a network failure), the server's error code and message. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export interface WidgetConfig {
  workspace: string;
  title: string;
  greeting: string;
  theme: Theme;
  available: boolean;
}

export interface Visitor {
  id: string;
  secret: string;
}

export interface SessionGrant {
  token: string;
  expiresAt: string;
  visitor?: Visitor;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  status: 'complete' | 'incomplete' | 'error';
  /** What a grounded reply cited. */
  sources?: unknown;
  createdAt: string;
}

type Method = 'GET' | 'POST' | 'DELETE';
type Options = { token?: string; body?: unknown; signal?: AbortSignal };

async function request<T>(origin: string, method: Method, path: string, options: Options = {}): Promise<T> {
  const res = await call(origin, method, path, options);
  return (await res.json()) as T;
}

/** The raw response of a successful request; any error status becomes an ApiError. */
async function call(origin: string, method: Method, path: string, { token, body, signal }: Options): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${origin}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      mode: 'cors',
      cache: 'no-store',
      referrerPolicy: 'strict-origin',
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The chat server cannot be reached.');
  }
  if (res.ok) return res;
  const parsed = (await res.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof parsed?.error?.code === 'string' ? parsed.error.code : `http_${res.status}`;
  const message = typeof parsed?.error?.message === 'string' ? parsed.error.message : `The chat server answered ${res.status}.`;
  const retryAfter = Number(res.headers.get('Retry-After')) || undefined;
  throw new ApiError(res.status, code, message, retryAfter);
}

/** `GET /api/widget/config`: the one request the loader makes on every page view. */
export function fetchConfig(origin: string, workspace: string): Promise<WidgetConfig> {
  return request<WidgetConfig>(origin, 'GET', `/api/widget/config?workspace=${encodeURIComponent(workspace)}`);
}

/** The widget's side of docs/widget-api.md, on one Parley origin. */
export function createApi(origin: string, workspace: string) {
  return {
    config: () => fetchConfig(origin, workspace),
    session: (visitor: Visitor | undefined) =>
      request<SessionGrant>(origin, 'POST', '/api/widget/sessions', { body: visitor ? { workspace, visitor } : { workspace } }),
    conversations: (token: string) =>
      request<{ conversations: { id: string; createdAt: string; updatedAt: string }[] }>(origin, 'GET', '/api/widget/conversations', { token }),
    createConversation: (token: string) => request<{ id: string; createdAt: string }>(origin, 'POST', '/api/widget/conversations', { token, body: {} }),
    messages: (token: string, conversation: string) =>
      request<{ messages: StoredMessage[] }>(origin, 'GET', `/api/widget/conversations/${encodeURIComponent(conversation)}/messages`, { token }),
    /** Deletes the conversation and its messages for good (204, no body). */
    deleteConversation: async (token: string, conversation: string): Promise<void> => {
      await call(origin, 'DELETE', `/api/widget/conversations/${encodeURIComponent(conversation)}`, { token });
    },
    /** Sends a message; the 200 answer's body is the reply's event stream. */
    send: (token: string, conversation: string, content: string, signal: AbortSignal) =>
      call(origin, 'POST', `/api/widget/conversations/${encodeURIComponent(conversation)}/messages`, { token, body: { content }, signal }),
  };
}

export type Api = ReturnType<typeof createApi>;
