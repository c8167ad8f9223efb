import { Router } from 'express';
import { HttpError } from '../http/errors.js';
import { parseInput } from '../http/validate.js';
import { requestInfo as info, requireAdmin, setDeviceCookie, setSessionCookie } from './admin-session.js';
import { presentSession } from './auth.presenter.js';
import { mfaCodeBody, mfaDisableBody } from './mfa.schema.js';
import * as mfa from './mfa.service.js';
import { withRetryAfter } from './retry-after.js';

/** /api/admin/auth/mfa: TOTP enrolment, recovery codes, and the second step of signing in. */
export function mfaRoutes(deps: mfa.MfaDeps): Router {
  const router = Router();

  router.post('/setup', async (req, res) => {
    res.json(await mfa.setup(deps, requireAdmin(req.admin)));
  });

  router.post('/enable', async (req, res) => {
    const admin = requireAdmin(req.admin);
    const { code } = parseInput(mfaCodeBody, req.body ?? {}, 'invalid_body');
    res.json({ recoveryCodes: await withRetryAfter(res, mfa.enable(deps, admin, code, info(req))) });
  });

  router.post('/disable', async (req, res) => {
    const admin = requireAdmin(req.admin);
    const body = parseInput(mfaDisableBody, req.body ?? {}, 'invalid_body');
    await withRetryAfter(res, mfa.disable(deps, admin, body, info(req)));
    res.status(204).end();
  });

  router.post('/recovery-codes', async (req, res) => {
    const admin = requireAdmin(req.admin);
    const { code } = parseInput(mfaCodeBody, req.body ?? {}, 'invalid_body');
    res.json({ recoveryCodes: await withRetryAfter(res, mfa.regenerateRecoveryCodes(deps, admin, code, info(req))) });
  });

  router.post('/verify', async (req, res) => {
    if (!req.pendingMfa) {
      if (req.admin) throw new HttpError(409, 'already_signed_in', 'This session is already signed in.');
      throw new HttpError(401, 'unauthenticated', 'Please sign in.');
    }
    const { code } = parseInput(mfaCodeBody, req.body ?? {}, 'invalid_body');
    const result = await withRetryAfter(res, mfa.verifySignIn(deps, req.pendingMfa, code, info(req)));
    setSessionCookie(res, result.token);
    setDeviceCookie(res, result.deviceToken);
    res.json(presentSession(result.account, result.expiresAt, result.csrfToken));
  });

  return router;
}
