// The SQL of re-sealing, built from the declarations in sealed-columns.ts (constants,
// never input). Runs in the caller's withTenant / withoutTenant transaction.
import type { Queryable } from '../db/db.js';
import type { SealedSecret } from './seal.js';
import type { SealedColumns } from './sealed-columns.js';

/** A row sealed under a key other than the active one. */
export interface PendingRow {
  rowKey: string;
  aad: string;
  keyId: string;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/** Every workspace's id, oldest first (run in withKeyRotationView: the only rows it shows). */
export async function listWorkspaceIds(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM workspaces ORDER BY created_at, id');
  return rows.map((r) => r.id);
}

/** Up to limit rows not sealed under activeKeyId, after the row key `after`, in row key order. */
export async function selectPending(q: Queryable, c: SealedColumns, activeKeyId: string, after: string | null, limit: number): Promise<PendingRow[]> {
  // Rows without a secret have a NULL key id, which `<>` leaves out.
  const params: unknown[] = [activeKeyId, limit];
  if (after !== null) params.push(after);
  const { rows } = await q.query<PendingRow>(
    `SELECT ${c.rowKey}::text AS "rowKey", ${c.aad} AS aad, ${c.keyId} AS "keyId", ${c.nonce} AS nonce, ${c.ciphertext} AS ciphertext
       FROM ${c.table}
      WHERE ${c.keyId} <> $1${after === null ? '' : ` AND ${c.rowKey} > $3`}
      ORDER BY ${c.rowKey} LIMIT $2`,
    params,
  );
  return rows;
}

/**
 * Compare-and-swap: writes next only if the row still holds the seal it was read with
 * (same key id and nonce), so a key set or removed meanwhile is never overwritten.
 * True when it wrote.
 */
export async function replaceSealed(q: Queryable, c: SealedColumns, row: PendingRow, next: SealedSecret): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE ${c.table} SET ${c.keyId} = $4, ${c.nonce} = $5, ${c.ciphertext} = $6
      WHERE ${c.rowKey} = $1 AND ${c.keyId} = $2 AND ${c.nonce} = $3`,
    [row.rowKey, row.keyId, Buffer.from(row.nonce), next.keyId, Buffer.from(next.nonce), Buffer.from(next.ciphertext)],
  );
  return rowCount === 1;
}

/** The one platform audit row of a rotation run. */
export async function insertRotationEvent(q: Queryable, keyId: string, details: Record<string, unknown>): Promise<void> {
  await q.query("INSERT INTO platform_audit_events (actor, action, target, details) VALUES ('operator', 'master_key.rotated', $1, $2)", [
    `master_key:${keyId}`,
    JSON.stringify(details),
  ]);
}
