// The one way the panel talks to the server: docs/admin-api.md, same origin, the
// session cookie, and the CSRF token on every request that changes something.

export const API = '/api/admin';

/** One problem with one field, as the API lists them in error.details. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** A failed request: the API's error code and sentence, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** The message for one field (details[].path), if the API named it or the code is about that field. */
  field(path: string): string | undefined {
    return this.details.find((d) => d.path === path)?.message ?? (CODE_FIELDS[this.code]?.includes(path) ? this.message : undefined);
  }

  /** The fields this error is about. */
  paths(): string[] {
    return this.details.length > 0 ? this.details.map((d) => d.path) : (CODE_FIELDS[this.code] ?? []);
  }
}

// Errors without details that are still about one field, shown next to it.
const CODE_FIELDS: Record<string, string[]> = {
  weak_password: ['password', 'next'],
  email_taken: ['email'],
  wrong_password: ['current', 'password'],
  invalid_code: ['code'],
  invalid_mfa_code: ['code'],
  provider_key_rejected: ['apiKey'],
  confirmation_mismatch: ['confirm'],
};

let csrfToken: string | undefined;

/** Set from sign-in, MFA verification and GET /auth/session; cleared on sign-out. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Listeners told when any request answers 401: the session ended. */
const unauthenticated = new Set<() => void>();
export function onUnauthenticated(fn: () => void): () => void {
  unauthenticated.add(fn);
  return () => unauthenticated.delete(fn);
}

/** A JSON request under /api/admin; resolves to the parsed body (undefined for 204/202). */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(API + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: FieldProblem[] } } | undefined)?.error;
    // Only the session's end, not a wrong code (invalid_code is a 401 too).
    if (res.status === 401 && error?.code === 'unauthenticated' && !path.startsWith('/auth/mfa/verify')) for (const fn of unauthenticated) fn();
    throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `The server answered ${res.status}.`, Array.isArray(error?.details) ? error.details : []);
  }
  return json as T;
}

/** A URL under /api/admin for a plain link (downloads): GET needs no CSRF token. */
export const apiUrl = (path: string) => API + path;
