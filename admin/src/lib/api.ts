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
    // A code's sentence may start with the field's name ("url: …"), which the field's label already says.
    return this.details.find((d) => d.path === path)?.message ?? (CODE_FIELDS[this.code]?.includes(path) ? withoutPrefix(this.message, `${path}: `) : undefined);
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
  blocked_url: ['url'],
  invalid_url: ['url'],
  unsupported_file_type: ['file'],
  file_too_large: ['file'],
  empty_file: ['file'],
  file_required: ['file'],
};

const withoutPrefix = (text: string, prefix: string) => (text.startsWith(prefix) ? text.slice(prefix.length) : text);

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
  const headers: Record<string, string> = { accept: 'application/json', ...changeHeaders(method) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(API + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw networkError();
  }
  return readAnswer<T>(path, res.status, await res.text());
}

/** The CSRF header a request that changes something carries. */
export function changeHeaders(method: string): Record<string, string> {
  return method !== 'GET' && csrfToken ? { 'x-csrf-token': csrfToken } : {};
}

export const networkError = () => new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');

/** The parsed body of an answer, or its error as an ApiError (telling the listeners when the session ended). */
export function readAnswer<T>(path: string, status: number, text: string): T {
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (status < 200 || status > 299) {
    const error = (json as { error?: { code?: string; message?: string; details?: FieldProblem[] } } | undefined)?.error;
    // Only the session's end, not a wrong code (invalid_code is a 401 too).
    if (status === 401 && error?.code === 'unauthenticated' && !path.startsWith('/auth/mfa/verify')) for (const fn of unauthenticated) fn();
    throw new ApiError(status, error?.code ?? 'http_error', error?.message ?? `The server answered ${status}.`, Array.isArray(error?.details) ? error.details : []);
  }
  return json as T;
}

/** A URL under /api/admin for a plain link (downloads): GET needs no CSRF token. */
export const apiUrl = (path: string) => API + path;
