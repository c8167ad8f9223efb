import type { Response } from 'express';

export const PING_INTERVAL_MS = 15_000;

/** A server-sent event stream on a response. */
export interface EventStream {
  send(event: string, data: unknown): void;
  end(): void;
}

/**
 * Starts a text/event-stream answer. What is sent in one turn of the event loop (the
 * headers and the first event; the deltas of one chunk from the provider) goes out at
 * its end in one write, and so is flushed then: nothing compresses or buffers after that.
 * A comment line every pingMs keeps proxies from closing a quiet stream.
 * `X-Accel-Buffering: no` asks nginx-style proxies not to buffer.
 */
export function openEventStream(res: Response, pingMs = PING_INTERVAL_MS): EventStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  const open = () => !res.writableEnded && !res.destroyed;
  let pending = '';
  let flushing: NodeJS.Immediate | undefined;
  const flush = () => {
    flushing = undefined;
    if (!open()) return;
    // The headers go with the first events, in the same write, or alone if none came.
    if (pending) res.write(pending);
    else res.flushHeaders();
    pending = '';
  };
  flushing = setImmediate(flush);
  const ping = setInterval(() => {
    if (open()) res.write(': ping\n\n');
  }, pingMs);
  ping.unref();
  res.once('close', () => {
    clearInterval(ping);
    clearImmediate(flushing);
  });
  return {
    send(event, data) {
      if (!open()) return;
      // JSON.stringify escapes newlines, so one data line always holds the whole payload.
      pending += `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      flushing ??= setImmediate(flush);
    },
    end() {
      clearInterval(ping);
      clearImmediate(flushing);
      flushing = undefined;
      if (open()) res.end(pending);
      pending = '';
    },
  };
}

/**
 * Aborts when the client goes away before the answer is complete, including when it went while the
 * request waited for earlier work (admission, authentication): 'close' has fired by then and will not
 * fire again, so a closed response aborts at once.
 */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  if (res.destroyed && !res.writableFinished) controller.abort();
  else {
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
  }
  return controller.signal;
}
