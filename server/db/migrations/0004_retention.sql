-- The retention job (server/retention/) needs every workspace's retention days,
-- but the runtime role sees one tenant at a time. listRetentionPolicies()
-- (server/db/tenant.ts) sets app.job = 'retention' transaction-locally; these
-- read-only policies then show it the workspaces and widget_settings rows of
-- every workspace, and no row of any other table. Tenant code cannot set app.job
-- (the guard in tenant.ts refuses it).
CREATE POLICY retention_job_read ON workspaces FOR SELECT
  USING (current_setting('app.job', true) = 'retention');
CREATE POLICY retention_job_read ON widget_settings FOR SELECT
  USING (current_setting('app.job', true) = 'retention');
