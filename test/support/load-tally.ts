import type { SseEvent } from './widget.js';

export interface LoadTally {
  /** Every answer that was neither the expected success nor an acceptable refusal, in words. */
  failures: string[];
  counts: { ok: number; unavailable: number; limited: number; streamErrors: number };
  /** Sends a JSON request; returns the response (body unread) when it has the expected status. */
  json(what: string, okStatus: number, send: () => Promise<Response>): Promise<Response | undefined>;
  /** Sends a request answered by an event stream, which must end with `done` or `error`. */
  stream(what: string, send: () => Promise<Response>, read: (res: Response) => Promise<SseEvent[]>): Promise<void>;
}

/**
 * Counts how requests under a fault ended. Acceptable besides success: a JSON 503 with
 * Retry-After and one of the given codes, a 429 (a rate limit doing its job), and in a stream
 * already open an `error` event. A 500, another status, a connection cut without an answer, a
 * stream that ends without a last event, or no answer within timeoutMs is a failure.
 */
export function loadTally(options: { unavailableCodes?: string[]; timeoutMs?: number } = {}): LoadTally {
  const codes = options.unavailableCodes ?? ['database_unavailable'];
  const timeoutMs = options.timeoutMs ?? 20_000;
  const failures: string[] = [];
  const counts = { ok: 0, unavailable: 0, limited: 0, streamErrors: 0 };

  const answer = async (what: string, send: () => Promise<Response>): Promise<Response | undefined> => {
    try {
      return await within(timeoutMs, send());
    } catch (err) {
      failures.push(`${what}: ${(err as Error).message} ${String((err as Error).cause ?? '')}`.trim());
      return undefined;
    }
  };
  const refused = async (what: string, res: Response): Promise<void> => {
    const text = await res.text().catch((err: Error) => `(body cut: ${err.message})`);
    if (res.status === 429) {
      counts.limited++;
      return;
    }
    const code = /"code":"([a-z_]+)"/.exec(text)?.[1];
    if (res.status === 503 && code && codes.includes(code) && /^\d+$/.test(res.headers.get('retry-after') ?? '')) {
      counts.unavailable++;
      return;
    }
    failures.push(`${what}: ${res.status} retry-after=${res.headers.get('retry-after')} ${text.slice(0, 300)}`);
  };

  return {
    failures,
    counts,
    async json(what, okStatus, send) {
      const res = await answer(what, send);
      if (!res) return undefined;
      if (res.status === okStatus) {
        counts.ok++;
        return res;
      }
      await refused(what, res);
      return undefined;
    },
    async stream(what, send, read) {
      const res = await answer(what, send);
      if (!res) return;
      if (res.status !== 200) return refused(what, res);
      let events: SseEvent[];
      try {
        events = await within(timeoutMs, read(res));
      } catch (err) {
        failures.push(`${what}: the stream was cut (${(err as Error).message})`);
        return;
      }
      const last = events.at(-1)?.event;
      if (last === 'done') counts.ok++;
      else if (last === 'error') counts.streamErrors++;
      else failures.push(`${what}: the stream ended without done or error: ${events.map((e) => e.event).join(' ')}`);
    },
  };
}

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
