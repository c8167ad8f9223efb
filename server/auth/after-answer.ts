import type { Response } from 'express';
import type { InFlight } from '../http/in-flight.js';
import type { Logger } from '../logging.js';

/** Runs work once the answer has gone out; see afterAnswer. */
export type AfterAnswer = (res: Response, what: string, work: () => Promise<void>) => void;

/**
 * For slow work whose outcome the answer must not reveal (looking an address up, hashing,
 * mailing): it starts only when the response has been handed to the socket, so its
 * duration cannot show in the response time. It is tracked in inFlight, so shutdown waits
 * for it before the database closes, and a failure is logged, never thrown.
 */
export function afterAnswer(inFlight: InFlight, logger: Logger): AfterAnswer {
  return (res, what, work) => {
    void inFlight.track(
      new Promise<void>((resolve) => {
        let started = false;
        const start = () => {
          if (started) return;
          started = true;
          resolve(work().catch((err: unknown) => logger.error({ err: { message: (err as Error).message } }, `${what} failed after the answer`)));
        };
        // 'close' alone when the client went away before the answer was written.
        res.once('finish', start);
        res.once('close', start);
      }),
    );
  };
}
