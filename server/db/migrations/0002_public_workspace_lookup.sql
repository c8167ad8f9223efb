-- The widget names its workspace by public id before any tenant is known. This
-- policy lets resolvePublicWorkspace() (server/db/tenant.ts) see exactly the one
-- workspaces row whose public_id it was given, and nothing else in any table.
CREATE POLICY public_id_lookup ON workspaces FOR SELECT
  USING (public_id = nullif(current_setting('app.public_id', true), ''));
