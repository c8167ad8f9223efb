// What the safe fetcher takes and gives. The ingestion pipeline stores etag, lastModified and
// contentHash per page and passes the first two back, so an unchanged page is neither downloaded
// nor embedded again.
import type { FetchFailure } from './fetch-failure.js';

export interface FetchOptions {
  /** Content types accepted: "text/html", "text/*", or "*\/*" for anything. Others fail unsupported_type. */
  accept: readonly string[];
  /** Largest body accepted, in bytes after decompression; default 20 MB. */
  maxBytes?: number;
  /** The whole fetch, every hop and the body, from the first connection on; default 30 s. */
  timeoutMs?: number;
  /** DNS and TCP connection of one hop; default 10 s. */
  connectTimeoutMs?: number;
  /** Redirects followed at most; default (and at most) 5. */
  maxRedirects?: number;
  /** From the last fetch of this URL: sent as If-None-Match. */
  etag?: string;
  /** From the last fetch of this URL: sent as If-Modified-Since. */
  lastModified?: string;
  /** Honour robots.txt; default true (only robots.txt itself is read without it). */
  robots?: boolean;
  /** Stops the fetch; it then fails with reason 'aborted'. */
  signal?: AbortSignal;
}

export interface FetchedPage {
  ok: true;
  notModified: false;
  /** After redirects. */
  url: string;
  status: number;
  /** Lower-case essence, e.g. "text/html"; '' when the server sent none (only with accept "*\/*"). */
  contentType: string;
  /** From the Content-Type header, lower-case, when given. */
  charset: string | undefined;
  body: Buffer;
  etag: string | undefined;
  lastModified: string | undefined;
  /** sha256 of the body, hex: equal to the stored one means the page did not change. */
  contentHash: string;
  /** The URLs that redirected here, in order (empty when none). */
  redirects: string[];
}

export interface NotModified {
  ok: true;
  notModified: true;
  url: string;
  status: 304;
  /** The server's current validators (may be refreshed on a 304). */
  etag: string | undefined;
  lastModified: string | undefined;
  redirects: string[];
}

export interface FetchFailed {
  ok: false;
  failure: FetchFailure;
}

export type FetchResult = FetchedPage | NotModified | FetchFailed;

export const FETCH_DEFAULTS = {
  maxBytes: 20 * 1024 * 1024,
  timeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  maxRedirects: 5,
} as const;
