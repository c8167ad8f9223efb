import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { remotePath } from '../../scripts/backup/rclone.js';
import { backupName, pruneBackups, resolveBackup } from '../../scripts/backup/remote-files.js';

// A name dated in the future would win `latest` every time and never expire: a file
// planted on the remote (or written by a clock that ran ahead) must do neither.
const MINUTE = 60_000;
const DAY = 86_400_000;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-backup-names-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function remoteWith(name: string, files: string[]): string {
  const local = join(dir, name);
  mkdirSync(local);
  for (const f of files) writeFileSync(join(local, f), 'x');
  return `:local:${local}`;
}

test('latest ignores names dated more than five minutes ahead, with a warning naming them', async () => {
  const now = new Date();
  const names = {
    yesterday: backupName(new Date(now.getTime() - DAY)),
    justNow: backupName(new Date(now.getTime() - MINUTE)),
    // Two minutes ahead: another machine's clock, within the tolerance.
    slightlyAhead: backupName(new Date(now.getTime() + 2 * MINUTE)),
    planted: backupName(new Date(now.getTime() + 365 * DAY)),
    plantedSoon: backupName(new Date(now.getTime() + 10 * MINUTE)),
  };
  const remote = remoteWith('latest', Object.values(names));
  const warnings: string[] = [];
  const latest = await resolveBackup('latest', remote, (line) => warnings.push(line), now);
  assert.equal(latest, remotePath(remote, names.slightlyAhead));
  assert.equal(warnings.length, 2);
  for (const name of [names.planted, names.plantedSoon]) {
    assert.ok(warnings.some((w) => w.startsWith(`ignoring ${name}: dated more than 5 minutes after this machine's clock`)), warnings.join('\n'));
  }

  const onlyFuture = remoteWith('only-future', [names.planted]);
  await assert.rejects(resolveBackup('latest', onlyFuture, () => {}, now), /there is no backup on .* dated up to now/);
});

test('pruning deletes names dated more than five minutes ahead, with a warning, and keeps the rest', async () => {
  const now = new Date();
  const names = {
    expired: backupName(new Date(now.getTime() - 31 * DAY)),
    kept: backupName(new Date(now.getTime() - DAY)),
    slightlyAhead: backupName(new Date(now.getTime() + 2 * MINUTE)),
    planted: backupName(new Date(now.getTime() + 365 * DAY)),
    plantedPartial: `${backupName(new Date(now.getTime() + DAY))}.partial`,
  };
  const remote = remoteWith('prune', Object.values(names));
  const warnings: string[] = [];
  const deleted = await pruneBackups(remote, 30, now, (line) => warnings.push(line));
  assert.deepEqual(deleted.sort(), [names.expired, names.planted, names.plantedPartial].sort());
  assert.deepEqual(readdirSync(join(dir, 'prune')).sort(), [names.kept, names.slightlyAhead].sort());
  assert.deepEqual(warnings.sort(), [names.planted, names.plantedPartial].map((n) => `deleted ${n}: dated more than 5 minutes after this machine's clock (${now.toISOString()}): a clock that ran ahead, or a file planted on the remote`).sort());
});
