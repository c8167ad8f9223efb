-- Personal data in the audit trails gets a retention (issue #11), and key rotation
-- gets its own list of workspaces.
--
-- Migration 0001 says platform_audit_events "holds no personal data". That is wrong
-- and cannot be edited there (migrations are checksummed): its sign-in events carry
-- the client's IP address (details.ip) and name accounts by id. audit_events holds
-- the acting admin's email (actor_label), the IP address of the change (ip) and
-- the emails of invitees and removed members (before/after.email).
COMMENT ON TABLE platform_audit_events IS
  'Account and operator events across workspaces. Personal data: account ids, IP addresses (details.ip), emails (details.email). Addresses are truncated and emails cleared after AUDIT_IP_TRUNCATE_DAYS, rows deleted after AUDIT_RETENTION_DAYS (parley_audit_truncate, parley_audit_expire).';
COMMENT ON TABLE audit_events IS
  'A workspace''s append-only audit trail. Personal data: the actor''s email (actor_label), IP addresses (ip), emails in before/after. Addresses are truncated and emails cleared after AUDIT_IP_TRUNCATE_DAYS, rows deleted after AUDIT_RETENTION_DAYS (parley_audit_truncate, parley_audit_expire).';

-- An address cut to its network: IPv4 to /24, IPv6 to /48 (an IPv4-mapped IPv6
-- address as IPv4). Text that is no address becomes NULL: it may still be personal.
CREATE FUNCTION parley_truncate_ip(address text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a inet;
BEGIN
  BEGIN
    a := address::inet;
  EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN
    RETURN NULL;
  END;
  IF family(a) = 6 AND a <<= '::ffff:0.0.0.0/96'::inet THEN
    a := substring(host(a) FROM 8)::inet;
  END IF;
  RETURN network(set_masklen(a, least(masklen(a), CASE family(a) WHEN 4 THEN 24 ELSE 48 END)))::text;
END $$;

-- The runtime role may only read and append audit rows (0001); nothing changes them
-- but the two functions below, which run as the schema owner. Row security is FORCEd
-- on audit_events, also for its owner, so the owner gets one policy of its own, and
-- only while one of those functions has set app.audit_retention (transaction-locally,
-- cleared again before it returns).
CREATE POLICY audit_retention ON audit_events
  USING (current_setting('app.audit_retention', true) = 'on'
         AND current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = 'audit_events'::regclass));

-- Rows that still hold a whole address or an email; truncated addresses carry a '/'.
CREATE INDEX audit_events_personal_idx ON audit_events (created_at)
  WHERE ip !~ '/' OR before ->> 'email' IS NOT NULL OR after ->> 'email' IS NOT NULL;
CREATE INDEX audit_events_created_idx ON audit_events (created_at);
CREATE INDEX platform_audit_events_personal_idx ON platform_audit_events (created_at)
  WHERE details ->> 'ip' !~ '/' OR details ->> 'email' IS NOT NULL;
CREATE INDEX platform_audit_events_created_idx ON platform_audit_events (created_at);

-- Truncates the addresses and clears the emails of up to max_rows audit rows (both
-- logs together) older than days; returns how many it changed. days is bounded
-- below so that the runtime role cannot wipe recent evidence with it.
CREATE FUNCTION parley_audit_truncate(days integer, max_rows integer) RETURNS integer
  LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
  SET search_path = public, pg_temp
AS $$
DECLARE
  cutoff timestamptz;
  workspace_rows integer;
  platform_rows integer;
BEGIN
  IF days < 7 OR days > 36500 THEN
    RAISE EXCEPTION 'parley_audit_truncate: days must be between 7 and 36500, not %', days USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_rows < 1 OR max_rows > 100000 THEN
    RAISE EXCEPTION 'parley_audit_truncate: max_rows must be between 1 and 100000, not %', max_rows USING ERRCODE = 'invalid_parameter_value';
  END IF;
  cutoff := now() - make_interval(days => days);
  PERFORM set_config('app.audit_retention', 'on', true);
  UPDATE audit_events e
     SET ip = CASE WHEN e.ip !~ '/' THEN parley_truncate_ip(e.ip) ELSE e.ip END,
         before = CASE WHEN e.before ->> 'email' IS NOT NULL THEN jsonb_set(e.before, '{email}', 'null') ELSE e.before END,
         after = CASE WHEN e.after ->> 'email' IS NOT NULL THEN jsonb_set(e.after, '{email}', 'null') ELSE e.after END
   WHERE e.id IN (SELECT x.id FROM audit_events x
                   WHERE x.created_at < cutoff
                     AND (x.ip !~ '/' OR x.before ->> 'email' IS NOT NULL OR x.after ->> 'email' IS NOT NULL)
                   LIMIT max_rows);
  GET DIAGNOSTICS workspace_rows = ROW_COUNT;
  UPDATE platform_audit_events p
     SET details = p.details
           || CASE WHEN p.details ->> 'ip' !~ '/' THEN jsonb_build_object('ip', parley_truncate_ip(p.details ->> 'ip')) ELSE '{}'::jsonb END
           || CASE WHEN p.details ->> 'email' IS NOT NULL THEN jsonb_build_object('email', NULL) ELSE '{}'::jsonb END
   WHERE p.id IN (SELECT x.id FROM platform_audit_events x
                   WHERE x.created_at < cutoff
                     AND (x.details ->> 'ip' !~ '/' OR x.details ->> 'email' IS NOT NULL)
                   LIMIT max_rows - workspace_rows);
  GET DIAGNOSTICS platform_rows = ROW_COUNT;
  PERFORM set_config('app.audit_retention', '', true);
  RETURN workspace_rows + platform_rows;
END $$;

-- Deletes up to max_rows audit rows (both logs together) older than days; returns
-- how many. Bounded below like parley_audit_truncate.
CREATE FUNCTION parley_audit_expire(days integer, max_rows integer) RETURNS integer
  LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
  SET search_path = public, pg_temp
AS $$
DECLARE
  cutoff timestamptz;
  workspace_rows integer;
  platform_rows integer;
BEGIN
  IF days < 90 OR days > 36500 THEN
    RAISE EXCEPTION 'parley_audit_expire: days must be between 90 and 36500, not %', days USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_rows < 1 OR max_rows > 100000 THEN
    RAISE EXCEPTION 'parley_audit_expire: max_rows must be between 1 and 100000, not %', max_rows USING ERRCODE = 'invalid_parameter_value';
  END IF;
  cutoff := now() - make_interval(days => days);
  PERFORM set_config('app.audit_retention', 'on', true);
  DELETE FROM audit_events e
   WHERE e.id IN (SELECT x.id FROM audit_events x WHERE x.created_at < cutoff LIMIT max_rows);
  GET DIAGNOSTICS workspace_rows = ROW_COUNT;
  DELETE FROM platform_audit_events p
   WHERE p.id IN (SELECT x.id FROM platform_audit_events x WHERE x.created_at < cutoff LIMIT max_rows - workspace_rows);
  GET DIAGNOSTICS platform_rows = ROW_COUNT;
  PERFORM set_config('app.audit_retention', '', true);
  RETURN workspace_rows + platform_rows;
END $$;

REVOKE ALL ON FUNCTION parley_truncate_ip(text), parley_audit_truncate(integer, integer), parley_audit_expire(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION parley_audit_truncate(integer, integer), parley_audit_expire(integer, integer) TO parley_app;

-- npm run rotate-master-key lists every workspace to re-seal its secrets. It used the
-- retention job's read (0004); it has its own now, as narrow: withKeyRotationView()
-- sets app.job = 'key_rotation' transaction-locally and sees the workspaces rows,
-- read-only, and no other table's. Tenant code cannot set app.* (server/db/tenant.ts).
CREATE POLICY key_rotation_read ON workspaces FOR SELECT
  USING (current_setting('app.job', true) = 'key_rotation');
