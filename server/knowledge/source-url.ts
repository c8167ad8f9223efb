// An address given for a source (a page, a sitemap, a text's citation link), checked before it
// is stored: http(s), no credentials, and no address the guard refuses where that is plain
// from the address itself (an IP literal, localhost). Names are resolved, and checked again on
// every redirect hop, when the page is fetched (fetch/safe-fetch.ts): DNS answers change.
import { checkAddress, type AllowList } from './fetch/address-guard.js';
import { checkUrl } from './fetch/check-url.js';
import { HttpError } from '../http/errors.js';
import { MAX_URL_CHARS } from './knowledge.schema.js';

/** The normalized address (fragment dropped), or a 400 saying what is wrong with it. */
export function checkSourceUrl(input: string, allow: AllowList, field = 'url'): string {
  const checked = checkUrl(input, allow);
  if (!checked.ok) {
    const code = checked.failure.reason === 'blocked_address' ? 'blocked_url' : 'invalid_url';
    throw new HttpError(400, code, `${field}: ${checked.failure.message}`);
  }
  const host = checked.url.hostname.toLowerCase();
  // RFC 6761: these names are loopback on every system, whatever DNS says.
  if ((host === 'localhost' || host.endsWith('.localhost')) && !checkAddress('127.0.0.1', allow).allowed) {
    throw new HttpError(400, 'blocked_url', `${field}: ${checked.url.host} is this machine (a loopback address); Parley only fetches from public internet addresses.`);
  }
  const href = checked.url.href;
  if (href.length > MAX_URL_CHARS) throw new HttpError(400, 'invalid_url', `${field}: must be at most ${MAX_URL_CHARS} characters`);
  return href;
}

/** A title for a web source given none: its address without the scheme. */
export function titleFromUrl(href: string): string {
  return href.replace(/^https?:\/\//, '').replace(/\/$/, '').slice(0, 300) || href.slice(0, 300);
}
