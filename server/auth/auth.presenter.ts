import type { Account } from './auth.service.js';

/** The only shape an account leaves the API in: no hash, nothing internal. */
export function presentAccount(account: Account) {
  return { id: account.id, email: account.email, name: account.name, createdAt: account.createdAt.toISOString(), mfaEnabled: account.mfaEnabled };
}

export function presentSession(account: Account, expiresAt: Date, csrfToken: string) {
  return { account: presentAccount(account), session: { expiresAt: expiresAt.toISOString() }, csrfToken };
}
