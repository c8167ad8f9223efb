-- Server-to-server API keys are resolved to their workspace before any tenant is
-- known. findApiKey() (server/db/tenant.ts) sets app.api_key_hash, transaction-
-- locally, to the hex SHA-256 of the presented key; this read-only policy then shows
-- that one api_keys row and nothing else. Tenant code cannot set app.* settings.
CREATE POLICY api_key_by_hash ON api_keys FOR SELECT
  USING (key_hash = decode(nullif(current_setting('app.api_key_hash', true), ''), 'hex'));

-- The workspace audit view lists its members' sign-ins from platform_audit_events
-- (server/audit/audit.repo.ts), looked up by actor.
CREATE INDEX platform_audit_events_actor_idx ON platform_audit_events (actor, created_at DESC);
