-- Every instance caches each workspace's widget settings (server/widget-session/
-- widget-settings-cache.ts): allowed origins, title, greeting, theme, model, system
-- prompt, reply length, and whether replies have a key. Whatever changes a row they are
-- read from, on any instance or from a command-line tool (npm run operator-key,
-- rotate-master-key), notifies channel parley_settings with the workspace's id once the
-- transaction commits; each instance LISTENs and drops that workspace's entry.
-- server/db/tenant.ts names the same channel and tables.

CREATE FUNCTION parley_notify_settings_changed() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('parley_settings', OLD.workspace_id::text);
  ELSE
    PERFORM pg_notify('parley_settings', NEW.workspace_id::text);
  END IF;
  RETURN NULL;
END $$;

-- workspaces names itself by id: the operator key grant, the public id, deletion.
CREATE FUNCTION parley_notify_workspace_changed() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('parley_settings', OLD.id::text);
  ELSE
    PERFORM pg_notify('parley_settings', NEW.id::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE ON widget_settings
  FOR EACH ROW EXECUTE FUNCTION parley_notify_settings_changed();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE ON provider_keys
  FOR EACH ROW EXECUTE FUNCTION parley_notify_settings_changed();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE ON workspaces
  FOR EACH ROW EXECUTE FUNCTION parley_notify_workspace_changed();

-- Triggers fire whoever writes; nobody needs to call these directly.
REVOKE ALL ON FUNCTION parley_notify_settings_changed(), parley_notify_workspace_changed() FROM PUBLIC;
