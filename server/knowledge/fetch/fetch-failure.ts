// Why a fetch did not give a page: a stable code for code and storage, a sentence for the admin
// panel (shown per failed page), and the URL it is about. Sentences never name a resolved
// internal address: the admin typed the name, not the address behind it.

export type FetchFailureReason =
  | 'invalid_url'
  | 'bad_scheme'
  | 'blocked_address'
  | 'dns_failure'
  | 'connection_failed'
  | 'tls_error'
  | 'timeout'
  | 'too_many_redirects'
  | 'bad_redirect'
  | 'robots_disallowed'
  | 'robots_unavailable'
  | 'http_error'
  | 'unsupported_type'
  | 'too_large'
  | 'bad_response'
  | 'bad_sitemap'
  | 'aborted';

export interface FetchFailure {
  reason: FetchFailureReason;
  /** One sentence for the admin panel. */
  message: string;
  /** The URL the failure is about (a redirect hop or robots.txt may differ from the URL asked for). */
  url: string;
  /** http_error and robots_unavailable: the HTTP status received. */
  status?: number;
  /** unsupported_type: the content type received ('' when none). */
  contentType?: string;
}

export function fetchFailure(reason: FetchFailureReason, url: string, message: string, extra: Pick<FetchFailure, 'status' | 'contentType'> = {}): FetchFailure {
  return { reason, message, url, ...extra };
}

/** An HTTP status as a short phrase ("404 Not Found"). */
export function statusText(status: number): string {
  const phrase = STATUS_PHRASES[status];
  return phrase ? `${status} ${phrase}` : String(status);
}

const STATUS_PHRASES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 408: 'Request Timeout', 410: 'Gone', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** The sentence for an HTTP error status, with a hint at what to do about the common ones. */
export function httpErrorMessage(status: number): string {
  const base = `The server answered ${statusText(status)}`;
  if (status === 401 || status === 403) return `${base}: the page is not public, and Parley only reads public pages.`;
  if (status === 404 || status === 410) return `${base}: the page does not exist (any more). Check the address.`;
  if (status === 429) return `${base}: the site is limiting requests. Parley will try again at the next sync.`;
  if (status >= 500) return `${base}: the site has a problem on its side. Parley will try again at the next sync.`;
  return `${base}.`;
}

/** Maps a Node socket/TLS/parser error to a failure. */
export function networkFailure(err: NodeJS.ErrnoException, url: string): FetchFailure {
  const code = err.code ?? '';
  const host = hostOf(url);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL' || code === 'ENODATA') {
    return fetchFailure('dns_failure', url, `The name ${host} could not be found (DNS). Check the address for typos.`);
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'EPROTO' || /certificate|ssl|tls/i.test(err.message)) {
    return fetchFailure('tls_error', url, `The secure connection to ${host} failed: ${tlsReason(code, err.message)}.`);
  }
  if (code.startsWith('HPE_')) {
    return fetchFailure('bad_response', url, `${host} answered with something that is not valid HTTP.`);
  }
  const why = CONNECT_REASONS[code] ?? 'the connection failed';
  return fetchFailure('connection_failed', url, `Parley could not connect to ${host}: ${why}.`);
}

const CONNECT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens on that port)',
  ECONNRESET: 'the server closed the connection',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the server closed the connection',
};

function tlsReason(code: string, message: string): string {
  if (code === 'CERT_HAS_EXPIRED') return 'its certificate has expired';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'its certificate is for a different name';
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') return 'its certificate is self-signed';
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY') return 'its certificate chain is incomplete or not trusted';
  return message.slice(0, 120);
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
