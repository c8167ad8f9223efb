-- Parley's first schema. Every table holding a workspace's data has workspace_id,
-- row-level security ENABLEd and FORCEd, and a policy on app.tenant_id, which
-- withTenant() sets transaction-locally. No tenant set means no rows.

-- The runtime role: tenant queries run as it. It owns nothing, inherits nothing,
-- cannot bypass row security, and holds only the grants below. Roles are
-- cluster-wide, so another database on the same server may have created it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_app') THEN
    CREATE ROLE parley_app LOGIN NOINHERIT NOBYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

-- Before PostgreSQL 15 every role could create tables in public; the runtime role must not.
DO $$
BEGIN
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'not the owner of schema public: make sure PUBLIC has no CREATE on it';
END $$;

CREATE TABLE workspaces (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The id a site embeds; never the primary key, so it can be rotated.
  public_id   text NOT NULL UNIQUE CHECK (public_id ~ '^[A-Za-z0-9_-]{8,64}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email          text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
  display_name   text CHECK (length(display_name) <= 200),
  password_hash  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

CREATE TABLE memberships (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  role          text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, account_id)
);
CREATE INDEX memberships_account_idx ON memberships (account_id);

CREATE TABLE admin_sessions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- SHA-256 of the cookie value; the value itself is never stored.
  token_hash    bytea NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ip            text,
  user_agent    text
);
CREATE INDEX admin_sessions_account_idx ON admin_sessions (account_id);

CREATE TABLE api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  scope         text NOT NULL CHECK (scope IN ('read', 'write')),
  -- SHA-256 of the key; shown to its creator once, never stored.
  key_hash      bytea NOT NULL UNIQUE,
  prefix        text NOT NULL,
  created_by    uuid REFERENCES accounts (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id);

CREATE TABLE provider_keys (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  provider      text NOT NULL CHECK (provider IN ('mistral')),
  -- AES-256-GCM under MASTER_KEYS[key_id], workspace id as additional data.
  key_id        text NOT NULL,
  nonce         bytea NOT NULL CHECK (length(nonce) = 12),
  ciphertext    bytea NOT NULL,
  last4         text NOT NULL CHECK (length(last4) <= 4),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, provider)
);

CREATE TABLE widget_settings (
  workspace_id     uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
  allowed_origins  text[] NOT NULL DEFAULT '{}',
  title            text NOT NULL DEFAULT 'Chat with us' CHECK (length(title) BETWEEN 1 AND 100),
  greeting         text NOT NULL DEFAULT 'Hi! How can we help?' CHECK (length(greeting) <= 1000),
  -- {color, position, mode}: validated by the application.
  theme            jsonb NOT NULL DEFAULT '{}',
  system_prompt    text NOT NULL DEFAULT '' CHECK (length(system_prompt) <= 20000),
  model            text,
  retention_days   integer NOT NULL DEFAULT 365 CHECK (retention_days BETWEEN 1 AND 3650),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE visitors (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- SHA-256 of the secret the visitor's browser keeps.
  secret_hash   bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id)
);

CREATE TABLE conversations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id  uuid NOT NULL,
  visitor_id    uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id),
  -- Composite keys: a conversation cannot point at another workspace's visitor.
  FOREIGN KEY (workspace_id, visitor_id) REFERENCES visitors (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX conversations_visitor_idx ON conversations (workspace_id, visitor_id, updated_at DESC);
CREATE INDEX conversations_updated_idx ON conversations (workspace_id, updated_at DESC);

CREATE TABLE messages (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id       uuid NOT NULL,
  conversation_id    uuid NOT NULL,
  role               text NOT NULL CHECK (role IN ('user', 'assistant')),
  content            text NOT NULL,
  status             text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'incomplete', 'error')),
  model              text,
  prompt_tokens      integer CHECK (prompt_tokens >= 0),
  completion_tokens  integer CHECK (completion_tokens >= 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (workspace_id, conversation_id) REFERENCES conversations (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at);
CREATE INDEX messages_retention_idx ON messages (workspace_id, created_at);

CREATE TABLE audit_events (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- No foreign key: the trail outlives the account that made it.
  actor_account_id  uuid,
  actor_label       text NOT NULL,
  action            text NOT NULL,
  target_type       text,
  target_id         text,
  ip                text,
  -- Changed fields only, never secret values.
  before            jsonb,
  after             jsonb,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_workspace_idx ON audit_events (workspace_id, created_at DESC);

-- Operator actions across workspaces; holds no personal data.
CREATE TABLE platform_audit_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor       text NOT NULL,
  action      text NOT NULL,
  target      text,
  details     jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Row-level security.
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workspaces
  USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE provider_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE provider_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON provider_keys
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE widget_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE widget_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON widget_settings
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE visitors ENABLE ROW LEVEL SECURITY;
ALTER TABLE visitors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON visitors
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversations
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- The audit trail is append-only for the runtime role: read and insert, nothing else.
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_events FOR SELECT
  USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_append ON audit_events FOR INSERT
  WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- Grants: exactly what the application needs.
GRANT USAGE ON SCHEMA public TO parley_app;
GRANT SELECT ON schema_migrations TO parley_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
  workspaces, accounts, memberships, admin_sessions, api_keys, provider_keys,
  widget_settings, visitors, conversations, messages
  TO parley_app;
GRANT SELECT, INSERT ON audit_events, platform_audit_events TO parley_app;
GRANT USAGE ON SEQUENCE audit_events_id_seq, platform_audit_events_id_seq TO parley_app;
