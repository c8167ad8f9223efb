import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../server/config.js';
import { generateKeyringText } from '../../server/keys/keyring.js';

const env = (TRUST_PROXY?: string) => ({
  DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-config-')),
  MASTER_KEYS: generateKeyringText('m1'),
  TOKEN_KEYS: generateKeyringText('t1'),
  ...(TRUST_PROXY !== undefined && { TRUST_PROXY }),
});

test('TRUST_PROXY: loopback by default; hop counts, names, addresses and subnets; none', () => {
  assert.deepEqual(loadConfig(env()).trustProxy, ['loopback']);
  assert.equal(loadConfig(env('none')).trustProxy, false);
  assert.equal(loadConfig(env('2')).trustProxy, 2);
  assert.deepEqual(loadConfig(env('loopback, 10.0.0.0/8,fd00::1')).trustProxy, ['loopback', '10.0.0.0/8', 'fd00::1']);
});

test('TRUST_PROXY refuses "true" and anything that is not an address, a subnet or a known name', () => {
  for (const bad of ['true', 'caddy', '10.0.0.0/8/1', 'loopback,*']) {
    assert.throws(() => loadConfig(env(bad)), (err: Error) => err instanceof ConfigError && err.message.startsWith('TRUST_PROXY: '), bad);
  }
});
