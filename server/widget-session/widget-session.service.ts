import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { resolvePublicWorkspace } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import { originNotAllowed } from '../http/cors.js';
import type { Logger } from '../logging.js';
import { chooseProviderKey } from '../providers/provider-key.js';
import type { WidgetTheme } from './widget-session.schema.js';
import { findVisitorSecretHash, insertVisitor, touchVisitor } from './widget-session.repo.js';
import { originAllowed, widgetSettingsCache } from './widget-settings-cache.js';
import { issueWidgetToken, verifyWidgetToken, type WidgetTokenClaims } from './widget-token.js';

export interface WidgetSessionDeps {
  db: Db;
  config: Config;
  logger: Logger;
}

export interface WidgetConfig {
  publicId: string;
  title: string;
  greeting: string;
  theme: WidgetTheme;
  available: boolean;
}

export interface WidgetSession {
  token: string;
  expiresAt: Date;
  /** Only when a visitor was created: the widget keeps it, the server keeps the secret's hash. */
  newVisitor?: { id: string; secret: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

const workspaceNotFound = () => new HttpError(404, 'workspace_not_found', 'There is no chat with this workspace id.');
const invalidToken = () => new HttpError(401, 'invalid_token', 'The chat session has expired. Please reload.');

/** What the widget shows before any visitor exists. */
export async function getWidgetConfig(deps: WidgetSessionDeps, publicId: string, origin: string | undefined): Promise<WidgetConfig> {
  const workspace = await resolvePublicWorkspace(deps.db, publicId);
  if (!workspace) throw workspaceNotFound();
  const settings = await widgetSettingsCache(deps.db).get(workspace.id);
  if (!originAllowed(settings, origin)) throw originNotAllowed();
  // A workspace with knowledge answers even without a model: with its passages.
  const available = settings.hasKnowledge || chooseProviderKey(deps.config, workspace.id, settings, deps.logger) !== undefined;
  return { publicId, title: settings.title, greeting: settings.greeting, theme: settings.theme, available };
}

/**
 * A token for a returning visitor whose id and secret match, else for a new visitor.
 * The origin is checked first, so a refused page creates nothing.
 */
export async function startSession(
  deps: WidgetSessionDeps,
  input: { publicId: string; origin: string | undefined; visitor?: { id: string; secret: string } },
): Promise<WidgetSession> {
  const workspace = await resolvePublicWorkspace(deps.db, input.publicId);
  if (!workspace) throw workspaceNotFound();
  const settings = await widgetSettingsCache(deps.db).get(workspace.id);
  if (!originAllowed(settings, input.origin)) throw originNotAllowed();

  let visitorId = input.visitor && (await knownVisitor(deps.db, workspace.id, input.visitor));
  let newVisitor: WidgetSession['newVisitor'];
  if (visitorId) {
    await touchVisitor(deps.db, workspace.id, visitorId);
  } else {
    const secret = randomBytes(32).toString('base64url');
    visitorId = await insertVisitor(deps.db, workspace.id, sha256(secret));
    newVisitor = { id: visitorId, secret };
  }
  const { token, expiresAt } = issueWidgetToken(deps.config.tokenKeys, { workspaceId: workspace.id, visitorId });
  return { token, expiresAt, newVisitor };
}

async function knownVisitor(db: Db, workspaceId: string, visitor: { id: string; secret: string }): Promise<string | undefined> {
  if (!UUID.test(visitor.id)) return undefined;
  const stored = await findVisitorSecretHash(db, workspaceId, visitor.id);
  if (!stored) return undefined;
  const given = sha256(visitor.secret);
  return stored.length === given.length && timingSafeEqual(Buffer.from(stored), given) ? visitor.id : undefined;
}

/** The visitor a request's bearer token speaks for, or 401: the signature alone, no database. */
export function verifyVisitorToken(config: Config, authorization: string | undefined): WidgetTokenClaims {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const claims = match ? verifyWidgetToken(config.tokenKeys, match[1]!) : undefined;
  if (!claims) throw invalidToken();
  return claims;
}

/**
 * The visitor a request's bearer token speaks for, once the token verifies and the
 * request's origin is one its workspace allows.
 */
export async function authenticateVisitor(
  deps: WidgetSessionDeps,
  authorization: string | undefined,
  origin: string | undefined,
): Promise<WidgetTokenClaims> {
  const claims = verifyVisitorToken(deps.config, authorization);
  const settings = await widgetSettingsCache(deps.db).get(claims.workspaceId);
  if (!originAllowed(settings, origin)) throw originNotAllowed();
  return claims;
}
