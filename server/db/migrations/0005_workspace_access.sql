-- Workspaces from an account's side, and invitations.
--
-- An account lists the workspaces it belongs to before any tenant is chosen.
-- withAccount() (server/db/tenant.ts) sets app.account_id transaction-locally;
-- these read-only policies then show that account's memberships and the
-- workspaces they name, and nothing else. Tenant code cannot set app.* settings.
CREATE POLICY account_memberships ON memberships FOR SELECT
  USING (account_id = nullif(current_setting('app.account_id', true), '')::uuid);
CREATE POLICY account_workspaces ON workspaces FOR SELECT
  USING (id IN (SELECT m.workspace_id FROM memberships m
                 WHERE m.account_id = nullif(current_setting('app.account_id', true), '')::uuid));

-- An owner can require every member to use MFA.
ALTER TABLE workspaces ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;

-- Pending invitations. The token travels only in the mailed link; its SHA-256 is kept.
-- Accepting one deletes it.
CREATE TABLE invitations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
  role          text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  token_hash    bytea NOT NULL UNIQUE,
  invited_by    uuid REFERENCES accounts (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX invitations_email_key ON invitations (workspace_id, lower(email));

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invitations
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
-- findInvitation() sets app.invitation_token to the hex SHA-256 of a link's token:
-- that one invitation shows, read-only.
CREATE POLICY invitation_by_token ON invitations FOR SELECT
  USING (token_hash = decode(nullif(current_setting('app.invitation_token', true), ''), 'hex'));

GRANT SELECT, INSERT, UPDATE, DELETE ON invitations TO parley_app;
