import { recordAudit, type AuditActor } from '../audit/audit.js';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../logging.js';
import { operatorKeyStatus, type OperatorKeyStatus } from '../providers/provider-key.js';
import { ProviderError, type ChatProvider } from '../providers/provider.js';
import type { WorkspaceContext } from '../workspaces/workspace-context.js';
import * as repo from './provider-key.repo.js';
import { seal } from './seal.js';

export interface ProviderKeyDeps {
  db: Db;
  config: Config;
  logger: Logger;
  provider: ChatProvider;
}

// Only 'mistral' exists (provider_keys' CHECK); the API names it so a second can follow.
const PROVIDER: repo.Provider = 'mistral';
const TARGET = { targetType: 'provider_key', targetId: PROVIDER };

export function getProviderKey(db: Db, workspace: WorkspaceContext): Promise<repo.ProviderKeyRow | undefined> {
  return withTenant(db, workspace.id, (q) => repo.selectProviderKey(q, workspace.id, PROVIDER));
}

/** Whether the workspace may fall back on the operator's key (OPERATOR_KEY_WORKSPACES, `npm run operator-key`). */
export function getOperatorKeyStatus(deps: Pick<ProviderKeyDeps, 'db' | 'config'>, workspace: WorkspaceContext): Promise<OperatorKeyStatus> {
  return operatorKeyStatus(deps.db, deps.config, workspace.id);
}

/**
 * Checks apiKey with Mistral, then stores it sealed under the active master key, with
 * the workspace id bound in. Mistral is asked first and outside the transaction: a
 * refused or unchecked key is never stored, and no row stays locked during the call.
 */
export async function setProviderKey(deps: ProviderKeyDeps, workspace: WorkspaceContext, actor: AuditActor, apiKey: string, signal: AbortSignal): Promise<repo.ProviderKeyRow> {
  await checkWithProvider(deps, workspace, apiKey, signal);
  const sealed = seal(deps.config.masterKeys, workspace.id, apiKey);
  return withTenant(deps.db, workspace.id, async (q) => {
    const previous = await repo.selectProviderKey(q, workspace.id, PROVIDER);
    const row = await repo.upsertProviderKey(q, workspace.id, PROVIDER, sealed);
    await recordAudit(q, workspace.id, actor, previous
      ? { action: 'provider_key.replaced', ...TARGET, before: { last4: previous.last4 }, after: { last4: row.last4 } }
      : { action: 'provider_key.set', ...TARGET, after: { last4: row.last4 } });
    return row;
  });
}

/** Deletes the workspace's key; replies fall back to the operator's key where allowed. Removing none is not an error. */
export async function removeProviderKey(db: Db, workspace: WorkspaceContext, actor: AuditActor): Promise<void> {
  await withTenant(db, workspace.id, async (q) => {
    const last4 = await repo.deleteProviderKey(q, workspace.id, PROVIDER);
    if (last4 !== undefined) await recordAudit(q, workspace.id, actor, { action: 'provider_key.removed', ...TARGET, before: { last4 } });
  });
}

async function checkWithProvider({ provider, logger }: ProviderKeyDeps, workspace: WorkspaceContext, apiKey: string, signal: AbortSignal): Promise<void> {
  try {
    await provider.checkKey(apiKey, signal);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (err.kind === 'auth') {
      throw new HttpError(400, 'provider_key_rejected', 'Mistral rejected this key. Check that it was copied whole and is still active in your Mistral console; nothing was saved.');
    }
    if (err.kind === 'rate_limited') {
      throw new HttpError(503, 'provider_rate_limited', 'Mistral is rate limiting this key right now, so it could not be checked; nothing was saved. Please try again in a minute.');
    }
    // detail never holds the key (ProviderError's contract).
    logger.warn({ workspaceId: workspace.id, kind: err.kind, detail: err.detail }, 'could not check a provider key');
    throw new HttpError(502, 'provider_unreachable', 'Mistral could not be reached to check this key; nothing was saved. Please try again in a moment.');
  }
}
