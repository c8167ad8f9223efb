// Turns whatever a hop threw into a FetchFailure with a sentence an admin can act on.
import { fetchFailure, hostOf, networkFailure, type FetchFailure } from './fetch-failure.js';
import { BlockedAddressError } from './guarded-lookup.js';
import { TooLargeError, UnknownEncodingError } from './read-body.js';
import { ConnectTimeoutError } from './send-request.js';

/** The reason the fetcher aborts its own controller when the overall time is up. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

export interface ErrorContext {
  url: string;
  /** The fetcher's own signal: why it was aborted tells a deadline from the caller stopping. */
  signal: AbortSignal;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBytes: number;
}

export function failureFromError(err: unknown, ctx: ErrorContext): FetchFailure {
  const { url } = ctx;
  const host = hostOf(url);
  if (ctx.signal.aborted) {
    return ctx.signal.reason instanceof DeadlineError
      ? fetchFailure('timeout', url, `${host} did not send the whole page within ${seconds(ctx.timeoutMs)}.`)
      : fetchFailure('aborted', url, 'The fetch was stopped before it finished.');
  }
  if (err instanceof BlockedAddressError) {
    return fetchFailure('blocked_address', url, `${host} resolves to ${err.description}; Parley only fetches from public internet addresses.`);
  }
  if (err instanceof ConnectTimeoutError) {
    return fetchFailure('timeout', url, `Parley could not connect to ${host} within ${seconds(ctx.connectTimeoutMs)}.`);
  }
  if (err instanceof TooLargeError) {
    return fetchFailure('too_large', url, `The page is larger than ${megabytes(ctx.maxBytes)}, the most Parley reads from one address.`);
  }
  if (err instanceof UnknownEncodingError) {
    return fetchFailure('bad_response', url, `${host} sent the page in an encoding Parley cannot read (${err.message}).`);
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code.startsWith('Z_') || /incorrect header check|unexpected end of file/i.test(String((err as Error)?.message))) {
    return fetchFailure('bad_response', url, `${host} sent a compressed page that could not be decompressed.`);
  }
  if (err instanceof Error) return networkFailure(err as NodeJS.ErrnoException, url);
  return fetchFailure('connection_failed', url, `Fetching from ${host} failed.`);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** In binary units, as the extractor words its own 20 MB limit (20 * 1024 * 1024 bytes). */
export function megabytes(bytes: number): string {
  const mb = bytes / 1024 / 1024;
  return mb >= 1 ? `${Number(mb.toFixed(1))} MB` : `${Math.ceil(bytes / 1024)} kB`;
}
