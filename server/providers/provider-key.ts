import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { unseal, UnsealError } from '../keys/seal.js';
import type { Logger } from '../logging.js';
import { findOperatorKeyGrant, findSealedProviderKey } from './provider-key.repo.js';

export interface ProviderKey {
  apiKey: string;
  /** Whose key it is, for logs: never the key itself. */
  source: 'workspace' | 'operator';
}

/**
 * Whether a workspace without its own key may chat on the operator's: `available`, or
 * `not_granted` (OPERATOR_KEY_WORKSPACES leaves it out), or `none` (no MISTRAL_API_KEY).
 */
export type OperatorKeyStatus = 'available' | 'not_granted' | 'none';

export async function operatorKeyStatus(db: Db, config: Config, workspaceId: string): Promise<OperatorKeyStatus> {
  if (!config.mistral.apiKey) return 'none';
  if (config.operatorKeyWorkspaces === 'all') return 'available';
  if (config.operatorKeyWorkspaces === 'none') return 'not_granted';
  return (await findOperatorKeyGrant(db, workspaceId)) ? 'available' : 'not_granted';
}

/**
 * The Mistral key a workspace's replies use: its own (BYOK), else the operator's
 * MISTRAL_API_KEY where OPERATOR_KEY_WORKSPACES lets this workspace use it, else none.
 * A workspace key that no longer opens (its master key was dropped from MASTER_KEYS)
 * means no key at all rather than the operator's: the workspace chose to pay for its
 * own traffic, and the operator must fix the keyring.
 */
export async function resolveProviderKey(db: Db, config: Config, workspaceId: string, logger: Logger): Promise<ProviderKey | undefined> {
  const sealed = await findSealedProviderKey(db, workspaceId, 'mistral');
  if (sealed) {
    try {
      return { apiKey: unseal(config.masterKeys, workspaceId, sealed), source: 'workspace' };
    } catch (err) {
      if (!(err instanceof UnsealError)) throw err;
      logger.error({ workspaceId, keyId: sealed.keyId, reason: err.message }, "the workspace's provider key cannot be unsealed");
      return undefined;
    }
  }
  const apiKey = config.mistral.apiKey;
  return apiKey && (await operatorKeyStatus(db, config, workspaceId)) === 'available' ? { apiKey, source: 'operator' } : undefined;
}
