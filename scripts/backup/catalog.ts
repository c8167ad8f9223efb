import { RUNTIME_ROLE } from '../../server/config.js';
import type { Queryable } from '../../server/db/db.js';

/**
 * What guards the data, one sorted list of lines per kind: row-level security flags,
 * policies, grants on tables, columns, sequences and functions, functions, triggers,
 * and the runtime role's attributes and memberships. Owners are left out (the role
 * that migrates differs between installations); so are objects of extensions.
 */
export type SecuritySnapshot = Record<string, string[]>;

const SNAPSHOT_SQL: Record<string, string> = {
  rls: `SELECT c.relname || ' enabled=' || c.relrowsecurity || ' forced=' || c.relforcerowsecurity AS line
          FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')`,
  policies: `SELECT tablename || '.' || policyname || ' ' || permissive || ' ' || cmd || ' to ' || array_to_string(roles, ',')
                    || ' using ' || coalesce(qual, '-') || ' check ' || coalesce(with_check, '-') AS line
               FROM pg_policies WHERE schemaname = 'public'`,
  grants: `SELECT c.relname || ' ' || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END || ' ' || a.privilege_type
                  || CASE WHEN a.is_grantable THEN ' with grant option' ELSE '' END AS line
             FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) a
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND a.grantee <> c.relowner`,
  columnGrants: `SELECT c.relname || '.' || t.attname || ' ' || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END || ' ' || a.privilege_type AS line
                   FROM pg_class c JOIN pg_attribute t ON t.attrelid = c.oid, aclexplode(t.attacl) a
                  WHERE c.relnamespace = 'public'::regnamespace AND t.attacl IS NOT NULL AND NOT t.attisdropped AND a.grantee <> c.relowner`,
  functions: `SELECT p.oid::regprocedure::text || ' ' || l.lanname || ' security ' || CASE WHEN p.prosecdef THEN 'definer' ELSE 'invoker' END
                     || ' volatile=' || p.provolatile::text || ' config ' || coalesce(array_to_string(p.proconfig, ','), '-') || ' body ' || md5(coalesce(p.prosrc, '')) AS line
                FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
               WHERE p.pronamespace = 'public'::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
  functionGrants: `SELECT p.oid::regprocedure::text || ' ' || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END || ' ' || a.privilege_type AS line
                     FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
                    WHERE p.pronamespace = 'public'::regnamespace AND a.grantee <> p.proowner
                      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
  triggers: `SELECT c.relname || '.' || t.tgname || ' enabled=' || t.tgenabled::text || ' ' || pg_get_triggerdef(t.oid) AS line
               FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`,
  runtimeRole: `SELECT 'attributes super=' || rolsuper || ' inherit=' || rolinherit || ' createrole=' || rolcreaterole || ' createdb=' || rolcreatedb
                       || ' bypassrls=' || rolbypassrls AS line FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}'
                UNION ALL
                SELECT 'member of ' || pg_get_userbyid(m.roleid) FROM pg_auth_members m WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}')`,
};

/** The snapshot of this database, in the caller's transaction. */
export async function securitySnapshot(q: Queryable): Promise<SecuritySnapshot> {
  const snapshot: SecuritySnapshot = {};
  for (const [kind, sql] of Object.entries(SNAPSHOT_SQL)) {
    const { rows } = await q.query<{ line: string }>(sql);
    // Sorted in JavaScript: the database's collation may order differently from the other one's.
    snapshot[kind] = rows.map((r) => r.line).sort();
  }
  return snapshot;
}

/** Lines that differ, "+ line" present only in actual, "- line" present only in expected; empty when equal. */
export function diffSnapshots(expected: SecuritySnapshot, actual: SecuritySnapshot): string[] {
  const out: string[] = [];
  for (const kind of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
    const want = new Set(expected[kind] ?? []);
    const have = new Set(actual[kind] ?? []);
    for (const line of want) if (!have.has(line)) out.push(`${kind}: - ${line}`);
    for (const line of have) if (!want.has(line)) out.push(`${kind}: + ${line}`);
  }
  return out;
}
