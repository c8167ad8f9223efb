import type { Response } from 'express';

export const PING_INTERVAL_MS = 15_000;

/** A server-sent event stream on a response. */
export interface EventStream {
  send(event: string, data: unknown): void;
  end(): void;
}

/**
 * Starts a text/event-stream answer. Each event is written (and so flushed: nothing
 * compresses or buffers here) as soon as it is sent; a comment line every pingMs keeps
 * proxies from closing a quiet stream. `X-Accel-Buffering: no` asks nginx-style proxies
 * not to buffer.
 */
export function openEventStream(res: Response, pingMs = PING_INTERVAL_MS): EventStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  const open = () => !res.writableEnded && !res.destroyed;
  const ping = setInterval(() => {
    if (open()) res.write(': ping\n\n');
  }, pingMs);
  ping.unref();
  res.once('close', () => clearInterval(ping));
  return {
    send(event, data) {
      // JSON.stringify escapes newlines, so one data line always holds the whole payload.
      if (open()) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      clearInterval(ping);
      if (open()) res.end();
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
