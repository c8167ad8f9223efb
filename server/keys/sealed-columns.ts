// Every column sealed with server/keys/seal.ts, for `npm run rotate-master-key`.
// A new sealed column is one more entry here; the rotation reads nothing else.

/** Where one kind of sealed secret lives and what it was sealed with. Names are SQL, never input. */
export interface SealedColumns {
  /** For progress lines and the audit details. */
  name: string;
  table: string;
  /**
   * 'workspace': a tenant table, read one workspace at a time in withTenant.
   * 'platform': a table without row-level security, read in withoutTenant.
   */
  scope: 'workspace' | 'platform';
  /** A column unique within the scope: orders the batches and names the row to update. */
  rowKey: string;
  /** SQL expression giving the additional data the secret was sealed with. */
  aad: string;
  keyId: string;
  nonce: string;
  ciphertext: string;
}

export const SEALED_COLUMNS: readonly SealedColumns[] = [
  // BYOK keys (server/keys/provider-key.service.ts): the workspace id as additional data.
  { name: 'provider keys', table: 'provider_keys', scope: 'workspace', rowKey: 'provider', aad: 'workspace_id::text', keyId: 'key_id', nonce: 'nonce', ciphertext: 'ciphertext' },
  // TOTP secrets (migration 0006): must match sealAad() in server/auth/mfa.service.ts.
  { name: 'MFA secrets', table: 'accounts', scope: 'platform', rowKey: 'id', aad: "'mfa-totp:' || id::text", keyId: 'mfa_key_id', nonce: 'mfa_nonce', ciphertext: 'mfa_ciphertext' },
];
