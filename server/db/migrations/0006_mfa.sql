-- Optional TOTP two-factor authentication for admin accounts.
--
-- The TOTP secret is sealed with AES-256-GCM under MASTER_KEYS[mfa_key_id], the
-- account id bound in as additional data (server/auth/mfa.service.ts); it is never
-- stored in plaintext. A secret with mfa_enabled_at NULL is a setup not yet
-- confirmed with a code. mfa_last_step is the last TOTP time step accepted, so a
-- code cannot be used twice.
ALTER TABLE accounts ADD COLUMN mfa_key_id text;
ALTER TABLE accounts ADD COLUMN mfa_nonce bytea CHECK (length(mfa_nonce) = 12);
ALTER TABLE accounts ADD COLUMN mfa_ciphertext bytea;
ALTER TABLE accounts ADD COLUMN mfa_enabled_at timestamptz;
ALTER TABLE accounts ADD COLUMN mfa_last_step bigint;
ALTER TABLE accounts ADD CONSTRAINT accounts_mfa_sealed CHECK (
  (mfa_key_id IS NULL) = (mfa_nonce IS NULL) AND (mfa_nonce IS NULL) = (mfa_ciphertext IS NULL)
  AND (mfa_enabled_at IS NULL OR mfa_ciphertext IS NOT NULL)
);

-- A session whose password was right but whose second factor is still owed: it can
-- only call POST /auth/mfa/verify (or sign out), and lives ten minutes.
ALTER TABLE admin_sessions ADD COLUMN mfa_pending boolean NOT NULL DEFAULT false;

-- Single-use recovery codes: SHA-256 of each (79 random bits), shown once. Using one
-- deletes its row.
CREATE TABLE mfa_recovery_codes (
  account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  code_hash   bytea NOT NULL CHECK (length(code_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, code_hash)
);

GRANT SELECT, INSERT, DELETE ON mfa_recovery_codes TO parley_app;
