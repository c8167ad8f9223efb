import { RUNTIME_ROLE } from '../config.js';
import type { Db, Queryable, Statement, Tx } from './db.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** workspaces.public_id's CHECK: anything else names no workspace. */
const PUBLIC_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The channel migration 0012 notifies, with the workspace id as payload, when a row of
 * widget_settings, provider_keys or workspaces changes: the widget settings cache
 * (server/widget-session/widget-settings-cache.ts) drops that workspace.
 */
export const SETTINGS_CHANNEL = 'parley_settings';
/** A write to one of those tables, for telling this process's own cache at once (Db.notifyHere). */
const SETTINGS_WRITE = /\b(?:insert\s+into|update|delete\s+from)\s+(?:only\s+)?(?:public\.)?(?:widget_settings|provider_keys|workspaces)\b/i;

/**
 * The statement after BEGIN that switches to the runtime role and sets the given settings,
 * transaction-locally, in one round trip (as PostgREST does). BEGIN and it go as one simple
 * query, which takes no parameters: values are spliced in, so each must be a plain token.
 */
function runAs(settings: Record<string, string> = {}): { setup: string } {
  const sets = [`set_config('role', '${RUNTIME_ROLE}', true)`];
  for (const [name, value] of Object.entries(settings)) {
    if (!/^[a-z_.]+$/.test(name) || !/^[A-Za-z0-9_-]+$/.test(value)) throw new TypeError(`runAs: ${name} must be a plain token`);
    sets.push(`set_config('${name}', '${value}', true)`);
  }
  return { setup: `SELECT ${sets.join(', ')}` };
}

/**
 * Statements a tenant transaction may never run: changing role or session identity,
 * touching the tenant or row-security settings, or ending the transaction (which would
 * drop its transaction-local role). On PostgreSQL the database refuses most of these
 * anyway; on embedded PGlite the session is a superuser and this guard is what stands.
 */
const FORBIDDEN = [
  // A SET statement, not an UPDATE's SET clause (UPDATE memberships SET role = …).
  /^\s*(?:set|reset)\s+(?:local\s+|session\s+)?(?:role|session\s+authorization|row_security|app\.\w+)\b/i,
  /\bset_config\s*\(\s*'(?:role|session_authorization|row_security|app\.\w+)'/i,
  /^\s*(?:begin|commit|rollback|abort|end|start\s+transaction|savepoint|release|prepare\s+transaction|discard|reset\s+all)\b/i,
  /;\s*\S/, // one statement per call
];

/** A tenant query tried something only the db layer may do. A programming error, never user input. */
export class TenantGuardError extends Error {
  override name = 'TenantGuardError';
}

/**
 * Runs fn in a transaction as the runtime role with `app.tenant_id` set to workspaceId,
 * transaction-locally, so row-level security shows fn that workspace's rows and no other,
 * and nothing carries over to the next user of a pooled connection.
 */
export async function withTenant<T>(db: Db, workspaceId: string, fn: (q: Queryable) => Promise<T>): Promise<T> {
  if (!UUID.test(workspaceId)) throw new TypeError('withTenant: workspaceId must be a UUID');
  let changedSettings = false;
  const result = await db.transaction(
    (tx) => fn(guarded(tx, (text) => (changedSettings ||= SETTINGS_WRITE.test(text)))),
    runAs({ 'app.tenant_id': workspaceId }),
  );
  // Committed: this instance's next request must see it, before the database's notification arrives.
  if (changedSettings) db.notifyHere(SETTINGS_CHANNEL, workspaceId);
  return result;
}

/**
 * Runs fn as the runtime role with no tenant: tenant tables show no rows. For the few
 * tables that are not per workspace (accounts, sessions, platform audit).
 */
export async function withoutTenant<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(guarded(tx)), runAs());
}

/**
 * Runs fn as the runtime role with only `app.account_id` set: the account's own
 * memberships and the workspaces they name show, read-only, and no other tenant row
 * (migration 0005). For listing an account's workspaces before one is chosen.
 */
export async function withAccount<T>(db: Db, accountId: string, fn: (q: Queryable) => Promise<T>): Promise<T> {
  if (!UUID.test(accountId)) throw new TypeError('withAccount: accountId must be a UUID');
  return db.transaction((tx) => fn(guarded(tx)), runAs({ 'app.account_id': accountId }));
}

/** An invitation as its link finds it, before the invitee is a member. */
export interface InvitationLookup {
  id: string;
  workspaceId: string;
  email: string;
  role: string;
  expiresAt: Date;
}

/**
 * The invitation whose token hashes to tokenHash, or undefined. Runs as the runtime role
 * with only `app.invitation_token` set, which shows that one invitations row (migration 0005).
 */
export async function findInvitation(db: Db, tokenHash: Uint8Array): Promise<InvitationLookup | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<InvitationLookup>(
      `SELECT id, workspace_id AS "workspaceId", email, role, expires_at AS "expiresAt" FROM invitations WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0];
  }, runAs({ 'app.invitation_token': Buffer.from(tokenHash).toString('hex') }));
}

/**
 * The workspace a widget names by its public id, or undefined. Runs as the runtime
 * role with only `app.public_id` set, which shows that one workspaces row and no
 * other row of any table (migration 0002).
 */
export async function resolvePublicWorkspace(db: Db, publicId: string): Promise<{ id: string; name: string } | undefined> {
  if (!PUBLIC_ID.test(publicId)) return undefined;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; name: string }>('SELECT id, name FROM workspaces WHERE public_id = $1', [publicId]);
    return rows[0];
  }, runAs({ 'app.public_id': publicId }));
}

/** One workspace's retention period, as the retention job reads it. */
export interface RetentionPolicy {
  workspaceId: string;
  retentionDays: number;
}

/**
 * Every workspace with its retention days (the column default, 365, when it has no
 * settings row yet). Runs as the runtime role with only `app.job = 'retention'` set,
 * which shows the workspaces and widget_settings rows of all workspaces, read-only,
 * and no chat data (migration 0004); the deletions then run per workspace in withTenant.
 */
export async function listRetentionPolicies(db: Db): Promise<RetentionPolicy[]> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<RetentionPolicy>(
      `SELECT w.id AS "workspaceId", coalesce(s.retention_days, 365) AS "retentionDays"
         FROM workspaces w LEFT JOIN widget_settings s ON s.workspace_id = w.id
        ORDER BY w.created_at, w.id`,
    );
    return rows;
  }, runAs({ 'app.job': 'retention' }));
}

/**
 * Runs fn as the runtime role with only `app.job = 'key_rotation'` set, which shows the
 * workspaces rows of all workspaces, read-only, and no other row (migration 0010): the
 * list `npm run rotate-master-key` walks; it re-seals each workspace's rows in withTenant.
 */
export async function withKeyRotationView<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(guarded(tx)), runAs({ 'app.job': 'key_rotation' }));
}

/** A statement's text without a trailing semicolon, its code without comments, and whether FORBIDDEN names it. */
interface Vetted {
  text: string;
  code: string;
  forbidden: boolean;
}

function vet(sql: string): Vetted {
  const text = sql.trim().replace(/;\s*$/, '');
  // Comments removed first, so one cannot hide a SET ROLE from the anchored pattern.
  const code = text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').trim();
  return { text, code, forbidden: FORBIDDEN.some((re) => re.test(code)) };
}

// A named statement's text is a constant of this code base (one name, one text): vetted once.
const vettedByName = new Map<string, Vetted>();

/** tx, refusing what FORBIDDEN names; seen is shown each statement's code (comments removed). */
function guarded(tx: Tx, seen: (code: string) => void = () => {}): Queryable {
  return {
    query(sql: Statement, params) {
      let vetted: Vetted;
      if (typeof sql === 'string') vetted = vet(sql);
      else {
        vetted = vettedByName.get(sql.name) ?? vet(sql.text);
        vettedByName.set(sql.name, vetted);
      }
      if (vetted.forbidden) {
        return Promise.reject(new TenantGuardError(`statement not allowed in a tenant transaction: ${vetted.text.slice(0, 60)}`));
      }
      seen(vetted.code);
      return tx.query(typeof sql === 'string' ? vetted.text : { name: sql.name, text: vetted.text }, params);
    },
  };
}

/** An API key as a server-to-server request finds it, before its workspace is known. */
export interface ApiKeyLookup {
  id: string;
  workspaceId: string;
  scope: 'read' | 'write';
  prefix: string;
  keyHash: Uint8Array;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * The API key whose SHA-256 is keyHash, or undefined. Runs as the runtime role with only
 * `app.api_key_hash` set, which shows that one api_keys row, read-only (migration 0007);
 * everything the key then does runs in withTenant(workspaceId).
 */
export async function findApiKey(db: Db, keyHash: Uint8Array): Promise<ApiKeyLookup | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<ApiKeyLookup>(
      `SELECT id, workspace_id AS "workspaceId", scope, prefix, key_hash AS "keyHash",
              last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
         FROM api_keys WHERE key_hash = $1`,
      [keyHash],
    );
    return rows[0];
  }, runAs({ 'app.api_key_hash': Buffer.from(keyHash).toString('hex') }));
}
