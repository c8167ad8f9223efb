import type { Db, Queryable } from '../db/db.js';
import { withKeyRotationView, withoutTenant, withTenant } from '../db/tenant.js';
import type { Keyring } from './keyring.js';
import * as repo from './rotation.repo.js';
import { seal, unseal, UnsealError } from './seal.js';
import { SEALED_COLUMNS, type SealedColumns } from './sealed-columns.js';

export interface RotationOptions {
  /** Rows read per query; each row is then re-sealed in its own short transaction. */
  batchSize?: number;
  /** One line of progress, for the operator's terminal. Never holds a secret. */
  onProgress?: (line: string) => void;
  /** Defaults to SEALED_COLUMNS; tests may narrow it. */
  columns?: readonly SealedColumns[];
}

export interface ColumnCounts {
  resealed: number;
  /** Changed by someone else between reading and writing: left as they now are. */
  skipped: number;
  /** Do not open under MASTER_KEYS (key missing, or data altered): left under their old key. */
  failed: number;
}

export interface RotationResult {
  keyId: string;
  columns: Record<string, ColumnCounts>;
  resealed: number;
  skipped: number;
  failed: number;
}

type Scope = <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>;

const PROGRESS_EVERY_WORKSPACES = 100;

/**
 * Re-seals every sealed secret not yet under the keyring's active key, then writes one
 * platform audit event with the counts. Resumable: it only ever looks for rows under
 * another key, so a second run picks up what the first left and re-seals nothing more.
 * Runs beside the serving instances: old keys stay in MASTER_KEYS until it is done,
 * and each row is swapped only if nobody changed it meanwhile.
 */
export async function rotateMasterKey(db: Db, keyring: Keyring, options: RotationOptions = {}): Promise<RotationResult> {
  const batchSize = options.batchSize ?? 100;
  const progress = options.onProgress ?? (() => {});
  const result: RotationResult = { keyId: keyring.active.id, columns: {}, resealed: 0, skipped: 0, failed: 0 };
  for (const columns of options.columns ?? SEALED_COLUMNS) {
    const counts: ColumnCounts = { resealed: 0, skipped: 0, failed: 0 };
    result.columns[columns.name] = counts;
    const reseal = (scope: Scope, where: string) => resealScope(scope, columns, keyring, batchSize, counts, (msg) => progress(`${columns.name}: ${where}${msg}`));
    if (columns.scope === 'platform') {
      await reseal((fn) => withoutTenant(db, fn), '');
    } else {
      // The runtime role sees one tenant at a time; rotation's own read-only view of the
      // workspaces table (migration 0010) is the one list of them all.
      const workspaces = await withKeyRotationView(db, repo.listWorkspaceIds);
      for (const [index, id] of workspaces.entries()) {
        await reseal((fn) => withTenant(db, id, fn), `workspace ${id}: `);
        if ((index + 1) % PROGRESS_EVERY_WORKSPACES === 0 || index + 1 === workspaces.length) {
          progress(`${columns.name}: ${index + 1}/${workspaces.length} workspaces, ${counts.resealed} re-sealed`);
        }
      }
    }
    progress(`${columns.name}: ${counts.resealed} re-sealed, ${counts.skipped} changed meanwhile, ${counts.failed} failed`);
    result.resealed += counts.resealed;
    result.skipped += counts.skipped;
    result.failed += counts.failed;
  }
  await withoutTenant(db, (q) => repo.insertRotationEvent(q, result.keyId, { columns: result.columns, resealed: result.resealed, skipped: result.skipped, failed: result.failed }));
  return result;
}

async function resealScope(scope: Scope, columns: SealedColumns, keyring: Keyring, batchSize: number, counts: ColumnCounts, report: (line: string) => void): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const batch: repo.PendingRow[] = await scope((q) => repo.selectPending(q, columns, keyring.active.id, after, batchSize));
    for (const row of batch) {
      let secret: string;
      try {
        secret = unseal(keyring, row.aad, row);
      } catch (err) {
        if (!(err instanceof UnsealError)) throw err;
        counts.failed += 1;
        report(`row ${row.rowKey} not re-sealed: ${err.message}`);
        continue;
      }
      const next = seal(keyring, row.aad, secret);
      if (await scope((q) => repo.replaceSealed(q, columns, row, next))) counts.resealed += 1;
      else counts.skipped += 1;
    }
    if (batch.length < batchSize) return;
    after = batch.at(-1)!.rowKey;
  }
}
