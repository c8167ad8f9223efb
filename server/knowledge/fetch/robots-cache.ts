// robots.txt, read once per origin and kept for a while. As Google reads it: a missing one (4xx)
// or one behind broken redirects allows everything; a server error or 429 disallows everything
// for now (the site may be down or shedding load), and is asked again sooner.
import { createRequire } from 'node:module';
import { fetchFailure, hostOf, statusText, type FetchFailure } from './fetch-failure.js';
import type { FetchResult } from './fetch-types.js';

export type RobotsVerdict = { allowed: true } | { allowed: false; failure: FetchFailure };

type Rules = { isAllowed(url: string, ua?: string): boolean | undefined };
// robots-parser sets module.exports to the function, while its types declare an ES default export
// (which NodeNext then reads as `.default`): required directly, typed by hand.
const robotsParser = createRequire(import.meta.url)('robots-parser') as (url: string, contents: string) => Rules;
type Entry = { expires: number; rules: Rules | 'allow' } | { expires: number; failure: FetchFailure };

export interface RobotsOptions {
  /** The product token matched against User-agent lines. */
  agent: string;
  /** How long a robots.txt read (or found missing) is kept. */
  ttlMs: number;
  /** How long a failure to read it (5xx, 429, timeout…) is kept before asking again. */
  failureTtlMs: number;
  /** Origins kept at most; the oldest go first. */
  maxOrigins: number;
}

export class RobotsCache {
  private readonly entries = new Map<string, Promise<Entry>>();

  constructor(
    private readonly fetchRobots: (url: string) => Promise<FetchResult>,
    private readonly options: RobotsOptions,
  ) {}

  /** Whether `url` may be fetched; rejects with the signal's reason when the caller aborts first. */
  async check(url: URL, signal?: AbortSignal): Promise<RobotsVerdict> {
    const entry = await untilAborted(this.entryFor(url.origin), signal);
    if ('failure' in entry) return { allowed: false, failure: entry.failure };
    if (entry.rules === 'allow' || entry.rules.isAllowed(url.href, this.options.agent) !== false) return { allowed: true };
    return {
      allowed: false,
      failure: fetchFailure('robots_disallowed', url.href,
        `The site's robots.txt does not allow crawlers such as ${this.options.agent} to read this page. Its owner can allow ${this.options.agent} there.`),
    };
  }

  // One read per origin shared by every caller waiting for it, so it runs without any one
  // caller's signal (its own timeout bounds it).
  private async entryFor(origin: string): Promise<Entry> {
    const cached = this.entries.get(origin);
    if (cached) {
      const entry = await cached;
      if (entry.expires > Date.now()) return entry;
      if (this.entries.get(origin) === cached) this.entries.delete(origin);
      return this.entryFor(origin);
    }
    const pending = this.load(origin);
    this.entries.set(origin, pending);
    while (this.entries.size > this.options.maxOrigins) this.entries.delete(this.entries.keys().next().value!);
    return pending;
  }

  private async load(origin: string): Promise<Entry> {
    const robotsUrl = `${origin}/robots.txt`;
    const result = await this.fetchRobots(robotsUrl);
    const now = Date.now();
    if (result.ok && !result.notModified) {
      return { expires: now + this.options.ttlMs, rules: robotsParser(robotsUrl, result.body.toString('utf8')) };
    }
    if (result.ok) return { expires: now + this.options.ttlMs, rules: 'allow' };
    const { failure } = result;
    const status = failure.status ?? 0;
    if ((failure.reason === 'http_error' && status < 500 && status !== 429) || failure.reason === 'too_many_redirects' || failure.reason === 'bad_redirect') {
      return { expires: now + this.options.ttlMs, rules: 'allow' };
    }
    if (failure.reason === 'http_error' || failure.reason === 'too_large') {
      const why = failure.reason === 'too_large' ? 'it is too large' : `the server answered ${statusText(status)}`;
      return {
        expires: now + this.options.failureTtlMs,
        failure: fetchFailure('robots_unavailable', robotsUrl,
          `The robots.txt of ${hostOf(robotsUrl)} could not be read (${why}), so Parley does not read that site's pages for now. It will try again later.`,
          failure.status ? { status: failure.status } : {}),
      };
    }
    // Unreachable for robots.txt means unreachable for its pages too: the same reason, said so.
    return { expires: now + this.options.failureTtlMs, failure: { ...failure, message: `${failure.message} (while reading robots.txt)` } };
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
