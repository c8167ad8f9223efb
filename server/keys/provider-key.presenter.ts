import type { ProviderKeyRow } from './provider-key.repo.js';

/** What the API shows of a stored key: whose it is, its last four characters, when it was set. */
export function presentProviderKey(row: ProviderKeyRow | undefined) {
  return row ? { provider: row.provider, last4: row.last4, updatedAt: row.updatedAt.toISOString() } : null;
}
