// The one way Parley fetches a page a user named (DESIGN rule 8). Every hop: URL checks, robots.txt,
// a per-host slot, Parley's own DNS checked by the address guard at connect time, then either a
// redirect (re-checked from the top), a 304, a failure, or a body read within its limits.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { toAllowList, type AllowList } from './address-guard.js';
import { checkUrl } from './check-url.js';
import { acceptsType, parseContentType } from './content-type.js';
import { fetchFailure, httpErrorMessage, type FetchFailure } from './fetch-failure.js';
import { FETCH_DEFAULTS, type FetchOptions, type FetchResult } from './fetch-types.js';
import { DeadlineError, failureFromError } from './failure-from-error.js';
import { guardedLookup, type Resolver } from './guarded-lookup.js';
import { HostLimiter } from './host-limiter.js';
import { ACCEPT_ENCODING, readBody } from './read-body.js';
import { RobotsCache } from './robots-cache.js';
import { sendRequest } from './send-request.js';

export interface FetcherSettings {
  /** Sent with every request; parleyBotUserAgent() builds Parley's. */
  userAgent: string;
  /** The token robots.txt rules are matched against; default the User-Agent's product name. */
  robotsAgent?: string;
  /** KNOWLEDGE_FETCH_ALLOW_NETWORKS as config gives it (CIDRs); default none: public addresses only. */
  allowNetworks?: readonly string[];
  /** Requests at a time per host name; default 2. */
  perHost?: number;
  /** How long a site's robots.txt is kept; default 1 hour. Failures to read it are kept 5 minutes. */
  robotsTtlMs?: number;
  robotsFailureTtlMs?: number;
  /** DNS: default the system resolver (dns.lookup). */
  resolver?: Resolver;
}

export interface Fetcher {
  /** Never throws: a page, a 304 (`notModified`), or a failure with its reason. */
  fetch(url: string, options: FetchOptions): Promise<FetchResult>;
  readonly userAgent: string;
  /** The per-host limiter, shared by every fetch of this fetcher (tests read it). */
  readonly limiter: HostLimiter;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ROBOTS_FETCH: FetchOptions = { accept: ['*/*'], robots: false, maxBytes: 512 * 1024, timeoutMs: 15_000 };

/** One fetcher per process: its host limiter and robots cache only work when shared. */
export function createFetcher(settings: FetcherSettings): Fetcher {
  const allow = toAllowList(settings.allowNetworks ?? []);
  const lookup = guardedLookup(allow, settings.resolver);
  const limiter = new HostLimiter(settings.perHost ?? 2);
  const robotsAgent = settings.robotsAgent ?? settings.userAgent.split('/')[0]!;
  // robots.txt is fetched through this same fetcher (same guard, limiter and limits), without robots.
  const robots = new RobotsCache((url) => safeFetch(context, url, ROBOTS_FETCH), {
    agent: robotsAgent,
    ttlMs: settings.robotsTtlMs ?? 3_600_000,
    failureTtlMs: settings.robotsFailureTtlMs ?? 300_000,
    maxOrigins: 1000,
  });
  const context: HopContext = { allow, lookup, limiter, robots, userAgent: settings.userAgent };
  return { fetch: (url, options) => safeFetch(context, url, options), userAgent: settings.userAgent, limiter };
}

interface HopContext {
  allow: AllowList;
  lookup: LookupFunction;
  limiter: HostLimiter;
  robots: RobotsCache;
  userAgent: string;
}

async function safeFetch(ctx: HopContext, input: string, options: FetchOptions): Promise<FetchResult> {
  const limits = {
    maxBytes: options.maxBytes ?? FETCH_DEFAULTS.maxBytes,
    timeoutMs: options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? FETCH_DEFAULTS.connectTimeoutMs,
    maxRedirects: Math.min(options.maxRedirects ?? FETCH_DEFAULTS.maxRedirects, FETCH_DEFAULTS.maxRedirects),
  };
  const controller = new AbortController();
  const stop = () => controller.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  let deadline: NodeJS.Timeout | undefined;
  const startDeadline = () => {
    deadline ??= setTimeout(() => controller.abort(new DeadlineError()), limits.timeoutMs);
  };
  const redirects: string[] = [];
  let current = input;
  try {
    for (;;) {
      const checked = checkUrl(current, ctx.allow);
      if (!checked.ok) return failed(checked.failure);
      const url = checked.url;
      current = url.href;
      if (options.robots !== false) {
        const verdict = await ctx.robots.check(url, controller.signal);
        if (!verdict.allowed) return failed(verdict.failure);
      }
      const release = await ctx.limiter.acquire(url.hostname, controller.signal);
      // The overall time runs from the first request, not while waiting for the host's turn.
      startDeadline();
      let hop: HopOutcome;
      try {
        const res = await sendRequest({ url, headers: headersFor(ctx, options), lookup: ctx.lookup, allow: ctx.allow, connectTimeoutMs: limits.connectTimeoutMs, signal: controller.signal });
        hop = await finishHop(res, url, options, limits, controller.signal);
      } finally {
        release();
      }
      if (hop.kind === 'done') return hop.result.ok ? { ...hop.result, redirects } : hop.result;
      if (redirects.length >= limits.maxRedirects) {
        return failed(fetchFailure('too_many_redirects', url.href, `The address redirected more than ${limits.maxRedirects} times; Parley stops there. Use the final address instead.`));
      }
      redirects.push(url.href);
      current = hop.next;
    }
  } catch (err) {
    return failed(failureFromError(err, { url: current, signal: controller.signal, ...limits }));
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', stop);
  }
}

type HopOutcome = { kind: 'redirect'; next: string } | { kind: 'done'; result: FetchResult };
type Limits = { maxBytes: number; timeoutMs: number };

async function finishHop(res: IncomingMessage, url: URL, options: FetchOptions, limits: Limits, signal: AbortSignal): Promise<HopOutcome> {
  const status = res.statusCode ?? 0;
  const header = (name: string) => { const v = res.headers[name]; return typeof v === 'string' ? v : undefined; };
  if (REDIRECTS.has(status)) {
    res.destroy();
    const location = header('location');
    const next = location && URL.canParse(location, url) ? new URL(location, url).href : undefined;
    if (next) return { kind: 'redirect', next };
    return done(failed(fetchFailure('bad_redirect', url.href, `The server answered ${status} (a redirect) without a valid address to go to.`, { status })));
  }
  if (status === 304 && (options.etag || options.lastModified)) {
    res.destroy();
    return done({ ok: true, notModified: true, url: url.href, status: 304, etag: header('etag') ?? options.etag, lastModified: header('last-modified') ?? options.lastModified, redirects: [] });
  }
  if (status < 200 || status > 299) {
    res.destroy();
    return done(failed(fetchFailure('http_error', url.href, httpErrorMessage(status), { status })));
  }
  const { type, charset } = parseContentType(header('content-type'));
  if (!acceptsType(type, options.accept)) {
    res.destroy();
    const what = type ? `The page is of type ${type}` : 'The server did not say what type the page is';
    return done(failed(fetchFailure('unsupported_type', url.href, `${what}, which Parley does not read here (it reads ${options.accept.join(', ')}).`, { contentType: type })));
  }
  const body = await readBody(res, limits.maxBytes, signal);
  return done({
    ok: true, notModified: false, url: url.href, status, contentType: type, charset, body,
    etag: header('etag'), lastModified: header('last-modified'),
    contentHash: createHash('sha256').update(body).digest('hex'), redirects: [],
  });
}

function headersFor(ctx: HopContext, options: FetchOptions): Record<string, string> {
  return {
    'user-agent': ctx.userAgent,
    accept: options.accept.join(', '),
    'accept-encoding': ACCEPT_ENCODING,
    ...(options.etag && { 'if-none-match': options.etag }),
    ...(options.lastModified && { 'if-modified-since': options.lastModified }),
  };
}

const done = (result: FetchResult): HopOutcome => ({ kind: 'done', result });
const failed = (failure: FetchFailure): FetchResult => ({ ok: false, failure });
