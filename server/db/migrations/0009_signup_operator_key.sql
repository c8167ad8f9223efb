-- Who may sign up, and who may chat on the operator's Mistral key (issue #11).
--
-- Sign-ups waiting for their address to be confirmed. POST /auth/sign-up answers the
-- same whether or not the address has an account; for one without, a row here names
-- the mailed link by the SHA-256 of its token (the token itself travels only in the
-- mail). Completing the link creates the account with the password chosen then: no
-- password is kept here, so a request made in someone else's name can neither reveal
-- nor take over their address. Not per workspace, like accounts: no RLS. Expired rows
-- are deleted whenever a new one is stored.
CREATE TABLE signup_requests (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
  display_name  text CHECK (length(display_name) <= 200),
  token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX signup_requests_expires_idx ON signup_requests (expires_at);

GRANT SELECT, INSERT, DELETE ON signup_requests TO parley_app;

-- Set when the operator lets a workspace without its own key chat on MISTRAL_API_KEY
-- (read when OPERATOR_KEY_WORKSPACES=granted). Only `npm run operator-key` writes it,
-- with a platform audit entry; no admin route does.
ALTER TABLE workspaces ADD COLUMN operator_key_granted_at timestamptz;
