import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logging.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Echoed in X-Request-Id and on every log line of this request. */
      id: string;
      log: Logger;
    }
  }
}

// A client-supplied id is kept only if it is short and plain, so it cannot forge log lines.
const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives each request an id and a child logger, and logs one line when it ends. */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header('x-request-id');
    req.id = incoming && CLIENT_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    // Headers carry credentials: the logger redacts them by name, this line is debug only.
    req.log.debug({ headers: req.headers }, 'request headers');
    const started = process.hrtime.bigint();
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The path only: query strings may carry tokens, and bodies may carry visitors' words.
      const line = { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, aborted: !res.writableFinished };
      // 503 is a dependency outage answered on purpose (database, provider), already logged once at warn.
      if (res.statusCode === 503) req.log.warn(line, 'request');
      else if (res.statusCode >= 500) req.log.error(line, 'request');
      else req.log.info(line, 'request');
    });
    next();
  };
}
