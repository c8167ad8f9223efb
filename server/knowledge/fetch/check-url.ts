// The checks a URL passes before any request: parsable, http(s), no credentials, and, when the
// host is an IP literal (Node connects to those without a lookup), an allowed address.
import { isIP } from 'node:net';
import { checkAddress, type AllowList } from './address-guard.js';
import { fetchFailure, type FetchFailure } from './fetch-failure.js';

export type UrlCheck = { ok: true; url: URL } | { ok: false; failure: FetchFailure };

export function checkUrl(input: string | URL, allow: AllowList): UrlCheck {
  const text = String(input);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, failure: fetchFailure('invalid_url', text, 'This is not a valid web address. It should look like https://example.com/page.') };
  }
  url.hash = '';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, failure: fetchFailure('bad_scheme', url.href, `Only http:// and https:// addresses can be fetched, not ${url.protocol}//.`) };
  }
  if (url.username || url.password) {
    return { ok: false, failure: fetchFailure('invalid_url', url.href, 'The address contains a user name or password; Parley only reads public pages and never sends credentials.') };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) return { ok: false, failure: fetchFailure('invalid_url', url.href, 'The address has no host name.') };
  if (isIP(host)) {
    const verdict = checkAddress(host, allow);
    if (!verdict.allowed) return { ok: false, failure: blockedFailure(url.href, `The address ${url.host} is ${verdict.description}`) };
  }
  return { ok: true, url };
}

export function blockedFailure(url: string, what: string): FetchFailure {
  return fetchFailure('blocked_address', url, `${what}; Parley only fetches from public internet addresses.`);
}
