-- Password reset tokens: single use, short-lived, stored as SHA-256 (the token itself
-- only ever travels in the reset link). Not per workspace, like accounts: no RLS.
CREATE TABLE password_reset_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX password_reset_tokens_account_idx ON password_reset_tokens (account_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON password_reset_tokens TO parley_app;
