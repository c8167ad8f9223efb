-- What a workspace's chat may cost (server/usage/, server/chat/).
--
-- max_reply_tokens: the longest reply a workspace's admins allow, sent to the model as
-- max_tokens; NULL means the operator's ceiling (MAX_REPLY_TOKENS), which also caps any
-- value stored here.
ALTER TABLE widget_settings ADD COLUMN max_reply_tokens integer CHECK (max_reply_tokens BETWEEN 1 AND 100000);

-- daily_token_budget: the operator's override of DAILY_TOKEN_BUDGET for this workspace
-- (tokens per UTC day, 0 = no limit); NULL means the operator's default. Only the
-- operator sets it (`npm run workspace-budget`); no admin route writes it.
ALTER TABLE workspaces ADD COLUMN daily_token_budget bigint CHECK (daily_token_budget >= 0);

-- Tokens the model provider reported per workspace and UTC day: counters only, no
-- personal data and no content. exhausted_at is set once, when the day's budget is
-- first found spent, so that moment is audited once per day.
CREATE TABLE token_usage (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  day                date NOT NULL,
  prompt_tokens      bigint NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
  completion_tokens  bigint NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
  exhausted_at       timestamptz,
  PRIMARY KEY (workspace_id, day)
);

ALTER TABLE token_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE token_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON token_usage
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON token_usage TO parley_app;
