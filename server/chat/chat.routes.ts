import { Router, type Request, type RequestHandler, type Response } from 'express';
import { DatabaseUnavailableError } from '../db/db-errors.js';
import { admission, leaveAdmission } from '../http/admission.js';
import { createAdmissionGate } from '../http/admission-gate.js';
import { clientGone, openEventStream, type EventStream } from '../http/event-stream.js';
import type { InFlight } from '../http/in-flight.js';
import type { RateLimits } from '../http/rate-limit.js';
import { parseInput } from '../http/validate.js';
import type { Logger } from '../logging.js';
import { BudgetExhaustedError } from '../usage/usage.service.js';
import { reflectOrigin } from '../http/cors.js';
import { requireVisitor, visitorOf } from '../widget-session/visitor-auth.js';
import { verifyVisitorToken, type WidgetSessionDeps } from '../widget-session/widget-session.service.js';
import type { WidgetTokenClaims } from '../widget-session/widget-token.js';
import { sendMessage, type ReplyDeps, type ReplyOutcome } from './chat-reply.service.js';
import { presentAccepted, presentConversation, presentMessage, presentNewConversation } from './chat.presenter.js';
import type { MessageRow } from './chat.repo.js';
import { createConversationBody, messageBody } from './chat.schema.js';
import { createConversation, deleteConversation, listConversations, listMessages } from './chat.service.js';

export type ChatDeps = ReplyDeps & WidgetSessionDeps & { limits: RateLimits; inFlight: InFlight };

/** The widget's conversations under /api/widget, each with a visitor's bearer token (docs/widget-api.md). */
export function chatRoutes(deps: ChatDeps): Router {
  const router = Router();
  const admit = admission(createAdmissionGate(deps.config.admission));
  const visitorAuth = requireVisitor(deps);

  // A message is charged to the rate limits on its token alone, before it waits for the database:
  // one visitor's flood is refused with 429 without taking places in the admission queue. The token
  // is verified and the body parsed here, once; the origin is checked with the message (chat-accept.service.ts).
  const chargeMessage: RequestHandler = async (req, res, next) => {
    const visitor = verifyVisitorToken(deps.config, req.headers.authorization);
    const { content } = parseInput(messageBody, req.body ?? {}, 'invalid_body');
    await deps.limits.message(res, { visitorId: visitor.visitorId, ip: req.ip ?? '', workspaceId: visitor.workspaceId });
    res.locals.message = { visitor, content } satisfies ChargedMessage;
    next();
  };
  router.post('/conversations/:id/messages', chargeMessage, admit, (req: Request<{ id: string }>, res) => sendAndStream(deps, req, res));
  // Admission before authentication: reading the workspace's origins is database work too.
  router.use('/conversations', admit, visitorAuth);

  const limitKeys = (req: Request, res: Response) => {
    const visitor = visitorOf(res);
    return { visitorId: visitor.visitorId, ip: req.ip ?? '', workspaceId: visitor.workspaceId };
  };

  router.post('/conversations', async (req, res) => {
    parseInput(createConversationBody, req.body ?? {}, 'invalid_body');
    await deps.limits.conversation(res, limitKeys(req, res));
    const { conversation, created } = await createConversation(deps.db, visitorOf(res));
    res.status(created ? 201 : 200).json(presentNewConversation(conversation));
  });

  router.get('/conversations', async (_req, res) => {
    const conversations = await listConversations(deps.db, visitorOf(res));
    res.json({ conversations: conversations.map(presentConversation) });
  });

  router.get('/conversations/:id/messages', async (req, res) => {
    const messages = await listMessages(deps.db, visitorOf(res), req.params.id);
    res.json({ messages: messages.map(presentMessage) });
  });

  router.delete('/conversations/:id', async (req, res) => {
    await deps.limits.conversation(res, limitKeys(req, res));
    await deleteConversation(deps.db, visitorOf(res), req.params.id);
    res.status(204).end();
  });

  return router;
}

interface ChargedMessage {
  visitor: WidgetTokenClaims;
  content: string;
}

/** POST …/messages once charged and admitted: store the message, then stream the reply. */
async function sendAndStream(deps: ChatDeps, req: Request<{ id: string }>, res: Response): Promise<void> {
  const { visitor, content } = res.locals.message as ChargedMessage;
  let stream: EventStream | undefined;
  const hooks = {
    signal: clientGone(res),
    onAccepted: (message: MessageRow) => {
      // The reply streams without a slot: waiting on the provider is no database work.
      leaveAdmission(res);
      // The origin was allowed with the message.
      reflectOrigin(req, res);
      stream = openEventStream(res);
      stream.send('accepted', presentAccepted(message));
    },
    onDelta: (text: string) => stream?.send('delta', { text }),
  };
  // Tracked, so a stopping server stores this reply before it closes the database.
  const outcome = await deps.inFlight.track(
    sendMessage({ ...deps, logger: req.log }, visitor, req.params.id, content, req.headers.origin, hooks).catch((err: unknown) => {
      if (!stream) {
        if (err instanceof BudgetExhaustedError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
        throw err;
      }
      return failedAfterAccepting(err, req.log);
    }),
  );
  // No stream: the visitor left before the message was stored, and nobody is left to answer.
  if (stream) finish(stream, outcome, res);
}

function finish(stream: EventStream, outcome: ReplyOutcome, res: Response): void {
  if (outcome.status === 'complete') {
    const id = outcome.replyId ?? null;
    const sources = outcome.sources && { sources: outcome.sources };
    stream.send('done', outcome.truncated ? { id, status: 'incomplete', reason: 'length', ...sources } : { id, status: 'complete', ...sources });
  } else if (outcome.status === 'failed') stream.send('error', { id: outcome.replyId ?? null, code: outcome.code, message: outcome.message });
  if (!res.destroyed) stream.end();
}

// The stream is open, so the error handler can no longer answer: say so in the stream.
function failedAfterAccepting(err: unknown, log: Logger): ReplyOutcome {
  // A lost database connection is an outage, not a bug: the visitor's message is already stored.
  if (err instanceof DatabaseUnavailableError) {
    log.warn({ err: err.message }, 'reply could not be stored: database unavailable');
    return { status: 'failed', replyId: undefined, code: 'database_unavailable', message: 'Your message is saved, but the reply could not be stored. Please try again in a moment.' };
  }
  log.error({ err }, 'reply failed after the message was accepted');
  return { status: 'failed', replyId: undefined, code: 'internal_error', message: 'Something went wrong on our side. Please try again.' };
}
