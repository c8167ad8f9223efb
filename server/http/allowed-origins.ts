/** How many origins one workspace may allow. */
export const MAX_ALLOWED_ORIGINS = 50;
const MAX_LENGTH = 300;

// After the scheme: a host (optionally `*.` first), an optional port, at most a bare trailing slash.
const ENTRY = /^(https?):\/\/(\*\.)?([^/?#@\\\s*]+)\/?$/i;

export type OriginEntryResult = { ok: true; origin: string } | { ok: false; reason: string };

/**
 * One allowed-origin entry as an admin types it, normalised the way browsers send
 * Origin: `https://shop.example.com`, `http://localhost:8080`, or the subdomain form
 * `https://*.example.com` (any subdomain, not the domain itself). Scheme and host are
 * lowercased, IDN hosts punycoded, default ports dropped. No path, query, fragment,
 * user info or other wildcard.
 */
export function parseAllowedOrigin(input: string): OriginEntryResult {
  const text = input.trim();
  if (text.length === 0) return { ok: false, reason: 'must not be empty' };
  if (text.length > MAX_LENGTH) return { ok: false, reason: `must be at most ${MAX_LENGTH} characters` };
  const match = ENTRY.exec(text);
  if (!match) {
    if (!/^https?:\/\//i.test(text)) return { ok: false, reason: 'must start with http:// or https://' };
    if (/[?#]/.test(text)) return { ok: false, reason: 'must not have a query or fragment' };
    if (text.includes('@')) return { ok: false, reason: 'must not contain a user name or password' };
    if (text.includes('*')) return { ok: false, reason: 'the only wildcard allowed is a leading *. (https://*.example.com)' };
    return { ok: false, reason: 'must be scheme://host[:port] with no path' };
  }
  const [, scheme, wildcard, rest] = match as unknown as [string, string, string | undefined, string];
  const url = URL.canParse(`${scheme}://${rest}`) ? new URL(`${scheme}://${rest}`) : undefined;
  if (!url || !url.hostname) return { ok: false, reason: 'is not a valid host name' };
  if (wildcard && (url.hostname.startsWith('[') || /^[\d.]+$/.test(url.hostname) || !url.hostname.includes('.'))) {
    return { ok: false, reason: 'a *. wildcard needs a domain with at least two labels (https://*.example.com)' };
  }
  return { ok: true, origin: `${url.protocol}//${wildcard ? '*.' : ''}${url.host}` };
}

/**
 * A list of entries normalised, duplicates (after normalising) removed, first
 * occurrence kept; or the index and reason of the first bad entry.
 */
export function parseAllowedOrigins(inputs: readonly string[]): { ok: true; origins: string[] } | { ok: false; index: number; reason: string } {
  const origins: string[] = [];
  for (const [index, input] of inputs.entries()) {
    const result = parseAllowedOrigin(input);
    if (!result.ok) return { ok: false, index, reason: result.reason };
    if (!origins.includes(result.origin)) origins.push(result.origin);
  }
  if (origins.length > MAX_ALLOWED_ORIGINS) return { ok: false, index: MAX_ALLOWED_ORIGINS, reason: `at most ${MAX_ALLOWED_ORIGINS} origins are allowed` };
  return { ok: true, origins };
}

/**
 * Whether a normalised request origin (scheme://host[:port]) matches one stored entry:
 * the same origin, or for `scheme://*.domain[:port]` the same scheme and port and a
 * host that is a subdomain of domain, at any depth.
 */
export function originMatches(origin: string, entry: string): boolean {
  const parsed = parseAllowedOrigin(entry);
  if (!parsed.ok) return false;
  if (!parsed.origin.includes('://*.')) return parsed.origin === origin;
  const base = new URL(parsed.origin.replace('://*.', '://'));
  const wanted = new URL(origin);
  return wanted.protocol === base.protocol && wanted.port === base.port && wanted.hostname.endsWith(`.${base.hostname}`);
}
