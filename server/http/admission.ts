import { randomInt } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AdmissionRefused, type AdmissionGate, type Release } from './admission-gate.js';
import { reflectOrigin } from './cors.js';
import { errorBody } from './errors.js';
import { clientGone } from './event-stream.js';

/** Retry-After of a refusal lies between these, so refused visitors do not all come back in the same second. */
export const BUSY_RETRY_AFTER_SECONDS = { min: 2, max: 6 } as const;
export const BUSY_MESSAGE = 'Lots of people are chatting right now. Please try again in a few seconds.';

const RELEASE = 'admissionRelease';

/**
 * Admission in front of the database pool: a request waits for a slot (at most maxWaitMs, behind at
 * most maxQueue others) and holds it until its response closes, or until leaveAdmission() gives it up
 * early. A request that gets no slot is answered 503 busy with Retry-After at once, rather than waiting
 * out the pool's connect timeout; a client that leaves while waiting frees its place in the queue.
 */
export function admission(gate: AdmissionGate): RequestHandler {
  return async (req, res, next) => {
    let release: Release;
    try {
      release = await gate.acquire(clientGone(res));
    } catch (err) {
      if (!(err instanceof AdmissionRefused)) throw err;
      // Nobody is left to answer.
      if (err.reason !== 'gone') answerBusy(req, res);
      return;
    }
    // No await since acquire: the response cannot have closed unseen between this check and the listener.
    if (res.destroyed || res.writableFinished) {
      release();
      return;
    }
    res.locals[RELEASE] = release;
    res.once('close', release);
    next();
  };
}

/** Gives the request's slot back before its response ends: a reply streaming from the provider holds none. */
export function leaveAdmission(res: Response): void {
  (res.locals[RELEASE] as Release | undefined)?.();
}

function answerBusy(req: Request, res: Response): void {
  const { min, max } = BUSY_RETRY_AFTER_SECONDS;
  res.setHeader('Retry-After', String(randomInt(min, max + 1)));
  // The widget must read this answer to show its sentence; like any error, it reveals nothing of the workspace.
  reflectOrigin(req, res);
  res.status(503).json(errorBody('busy', BUSY_MESSAGE));
}
