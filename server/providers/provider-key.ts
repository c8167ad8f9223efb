import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { unseal, UnsealError, type SealedSecret } from '../keys/seal.js';
import type { Logger } from '../logging.js';
import { findOperatorKeyGrant } from './provider-key.repo.js';

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

/**
 * Which workspaces may use the operator's key, as SQL can test it beside the grant
 * (server/chat/chat-accept.repo.ts): every one, none, or those the operator granted.
 */
export type OperatorKeyRule = 'always' | 'never' | 'granted';

export function operatorKeyRule(config: Config): OperatorKeyRule {
  if (!config.mistral.apiKey || config.operatorKeyWorkspaces === 'none') return 'never';
  return config.operatorKeyWorkspaces === 'all' ? 'always' : 'granted';
}

function statusOf(config: Config, granted: boolean): OperatorKeyStatus {
  if (!config.mistral.apiKey) return 'none';
  const rule = operatorKeyRule(config);
  return rule === 'always' || (rule === 'granted' && granted) ? 'available' : 'not_granted';
}

export async function operatorKeyStatus(db: Db, config: Config, workspaceId: string): Promise<OperatorKeyStatus> {
  if (operatorKeyRule(config) !== 'granted') return statusOf(config, false);
  return statusOf(config, (await findOperatorKeyGrant(db, workspaceId)) !== null);
}

/** What deciding on a workspace's key needs, read with its settings or its message. */
export interface KeyFacts {
  /** The workspace's own sealed Mistral key, if it stored one. */
  sealedKey: Pick<SealedSecret, 'keyId' | 'nonce' | 'ciphertext'> | undefined;
  /** The operator granted it MISTRAL_API_KEY (`npm run operator-key`). */
  operatorKeyGranted: boolean;
}

/**
 * The Mistral key a workspace's replies use: its own (BYOK), else the operator's
 * MISTRAL_API_KEY where OPERATOR_KEY_WORKSPACES lets this workspace use it, else none.
 * A workspace key that no longer opens (its master key was dropped from MASTER_KEYS)
 * means no key at all rather than the operator's: the workspace chose to pay for its
 * own traffic, and the operator must fix the keyring.
 */
export function chooseProviderKey(config: Config, workspaceId: string, facts: KeyFacts, logger: Logger): ProviderKey | undefined {
  const sealed = facts.sealedKey;
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
  return apiKey && statusOf(config, facts.operatorKeyGranted) === 'available' ? { apiKey, source: 'operator' } : undefined;
}
