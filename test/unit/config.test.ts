import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, runtimeUrlFor } from '../../server/config.js';
import { RATE_LIMITS } from '../../server/http/rate-limit.js';
import { DEV_KEYRINGS_FILE } from '../../server/keys/dev-keyrings.js';
import { generateKeyringText } from '../../server/keys/keyring.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'parley-config-'));
const keys = { MASTER_KEYS: generateKeyringText('m1'), TOKEN_KEYS: generateKeyringText('t1') };

describe('loadConfig', () => {
  test('applies the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: tmp(), ...keys });
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicUrl, undefined);
    assert.equal(config.database.kind, 'pglite');
    assert.equal(config.mistral.serverUrl, 'https://api.mistral.ai');
    assert.equal(config.mistral.model, 'mistral-small-latest');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.env, 'development');
    assert.equal(config.masterKeys.active.id, 'm1');
  });

  test('the demo is on in development, on the next port, and off elsewhere unless asked for', () => {
    assert.deepEqual(loadConfig({ DATA_DIR: tmp(), ...keys }).demo, { port: 3001 });
    assert.deepEqual(loadConfig({ DATA_DIR: tmp(), ...keys, PORT: '0' }).demo, { port: 0 });
    assert.deepEqual(loadConfig({ DATA_DIR: tmp(), ...keys, DEMO_PORT: '8080' }).demo, { port: 8080 });
    assert.equal(loadConfig({ DATA_DIR: tmp(), ...keys, DEMO: 'off' }).demo, undefined);
    assert.equal(loadConfig({ DATA_DIR: tmp(), ...keys, NODE_ENV: 'test' }).demo, undefined);
    assert.deepEqual(loadConfig({ DATA_DIR: tmp(), ...keys, NODE_ENV: 'test', DEMO: 'on', PORT: '4000' }).demo, { port: 4001 });
  });

  test('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ DATA_DIR: tmp(), ...keys, PORT: '', DATABASE_URL: '' }).port, 3000);
  });

  for (const [name, value, expected] of [
    ['PORT', 'abc', /^PORT: /],
    ['PORT', '70000', /^PORT: /],
    ['PUBLIC_URL', 'ftp://chat.example.com', /^PUBLIC_URL: must be an http/],
    ['PUBLIC_URL', 'https://chat.example.com/parley', /^PUBLIC_URL: must be an origin/],
    ['DATABASE_URL', 'mysql://localhost/parley', /^DATABASE_URL: must be a postgres/],
    ['REDIS_URL', 'http://localhost:6379', /^REDIS_URL: /],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL: /],
    ['NODE_ENV', 'staging', /^NODE_ENV: /],
    ['MISTRAL_SERVER_URL', 'not a url', /^MISTRAL_SERVER_URL: /],
    ['DEMO', 'yes', /^DEMO: /],
    ['DEMO_PORT', '-1', /^DEMO_PORT: /],
  ] as const) {
    test(`${name}=${value} stops start-up with one line naming ${name}`, () => {
      assert.throws(() => loadConfig({ DATA_DIR: tmp(), ...keys, [name]: value }), (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, expected);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    });
  }

  test('a bad keyring is named without printing any key material', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const good = generateKeyringText('ok');
    assert.throws(() => loadConfig({ DATA_DIR: tmp(), TOKEN_KEYS: keys.TOKEN_KEYS, MASTER_KEYS: `${good},weak:${short}` }), (err: Error) => {
      assert.match(err.message, /^MASTER_KEYS: key "weak" must decode to 32 bytes, got 16$/);
      assert.ok(!err.message.includes(short) && !err.message.includes(good.split(':')[1]!));
      return true;
    });
    assert.throws(() => loadConfig({ DATA_DIR: tmp(), ...keys, TOKEN_KEYS: `a:${Buffer.alloc(32).toString('base64')},a:${Buffer.alloc(32).toString('base64')}` }), /TOKEN_KEYS: entry 2 repeats the id "a"$/);
    assert.throws(() => loadConfig({ DATA_DIR: tmp(), ...keys, TOKEN_KEYS: 'no-colon' }), /TOKEN_KEYS: entry 1 has no "id:" prefix/);
  });

  test('the first key of a keyring is active and all are kept for verification', () => {
    const config = loadConfig({ DATA_DIR: tmp(), ...keys, TOKEN_KEYS: `new:${Buffer.alloc(32, 1).toString('base64')},old:${Buffer.alloc(32, 2).toString('base64url')}` });
    assert.equal(config.tokenKeys.active.id, 'new');
    assert.deepEqual([...config.tokenKeys.keys.keys()], ['new', 'old']);
    assert.deepEqual(config.tokenKeys.keys.get('old'), Buffer.alloc(32, 2));
  });

  test('production requires keyrings and PUBLIC_URL', () => {
    assert.throws(() => loadConfig({ DATA_DIR: tmp(), NODE_ENV: 'production', TOKEN_KEYS: keys.TOKEN_KEYS, PUBLIC_URL: 'https://c.example' }), /MASTER_KEYS: required when NODE_ENV=production$/);
    assert.throws(() => loadConfig({ DATA_DIR: tmp(), NODE_ENV: 'production', ...keys }), /PUBLIC_URL: required/);
    const dir = tmp();
    loadConfig({ DATA_DIR: dir, NODE_ENV: 'production', ...keys, PUBLIC_URL: 'https://c.example' });
    assert.throws(() => statSync(join(dir, DEV_KEYRINGS_FILE)), /ENOENT/, 'production never writes generated keys');
  });

  test('outside production, missing keyrings are generated once into DATA_DIR with mode 0600 and reused', () => {
    const dir = tmp();
    const first = loadConfig({ DATA_DIR: dir });
    const file = join(dir, DEV_KEYRINGS_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const second = loadConfig({ DATA_DIR: dir });
    assert.deepEqual(second.masterKeys.active.key, first.masterKeys.active.key);
    assert.deepEqual(second.tokenKeys.active.key, first.tokenKeys.active.key);
    assert.notDeepEqual(first.masterKeys.active.key, first.tokenKeys.active.key);
    assert.match(readFileSync(file, 'utf8'), /MASTER_KEYS/);
  });

  test('collects secret values for log scrubbing', () => {
    const config = loadConfig({ DATA_DIR: tmp(), ...keys, MISTRAL_API_KEY: 'mistral-secret-value', DATABASE_URL: 'postgres://u:db%40pass@h/db' });
    assert.ok(config.secrets.includes('mistral-secret-value'));
    assert.ok(config.secrets.includes('db@pass'));
    assert.ok(config.secrets.includes(keys.MASTER_KEYS.split(':')[1]!));
  });

  test('the runtime connection defaults to the owner URL as parley_app without a password', () => {
    const config = loadConfig({ DATA_DIR: tmp(), ...keys, DATABASE_URL: 'postgres://owner:pw@db.internal:5433/parley?sslmode=require' });
    assert.equal(config.database.kind, 'postgres');
    assert.equal(runtimeUrlFor('postgres://owner:pw@db.internal:5433/parley?sslmode=require'), 'postgres://parley_app@db.internal:5433/parley?sslmode=require');
    assert.ok(config.database.kind === 'postgres' && config.database.runtimeUrl === 'postgres://parley_app@db.internal:5433/parley?sslmode=require');
  });

  test("rate limits and the pool size default to the documented values (per minute; 10 connections)", () => {
    const config = loadConfig({ DATA_DIR: tmp(), ...keys, DATABASE_URL: 'postgres://owner@db.internal/parley' });
    assert.deepEqual(config.rateLimits, {
      messagePerVisitor: 20, messagePerIp: 60, messagePerWorkspace: 600,
      conversationPerVisitor: 10, conversationPerIp: 60, conversationPerWorkspace: 600,
      sessionPerIp: 30,
    });
    assert.deepEqual(config.rateLimits, { ...RATE_LIMITS }, 'RATE_LIMITS is the defaults');
    assert.ok(config.database.kind === 'postgres' && config.database.poolSize === 10);
  });

  test('rate limits and the pool size are read from the environment', () => {
    const config = loadConfig({
      DATA_DIR: tmp(), ...keys, DATABASE_URL: 'postgres://owner@db.internal/parley', DATABASE_POOL_SIZE: '25',
      RATE_LIMIT_MESSAGES_PER_VISITOR: '5', RATE_LIMIT_MESSAGES_PER_IP: '50', RATE_LIMIT_MESSAGES_PER_WORKSPACE: '5000',
      RATE_LIMIT_CONVERSATIONS_PER_VISITOR: '3', RATE_LIMIT_CONVERSATIONS_PER_IP: '30', RATE_LIMIT_CONVERSATIONS_PER_WORKSPACE: '300',
      RATE_LIMIT_SESSIONS_PER_IP: '1',
    });
    assert.deepEqual(config.rateLimits, {
      messagePerVisitor: 5, messagePerIp: 50, messagePerWorkspace: 5000,
      conversationPerVisitor: 3, conversationPerIp: 30, conversationPerWorkspace: 300,
      sessionPerIp: 1,
    });
    assert.ok(config.database.kind === 'postgres' && config.database.poolSize === 25);
    assert.equal(loadConfig({ DATA_DIR: tmp(), ...keys, RATE_LIMIT_SESSIONS_PER_IP: '1000000' }).rateLimits.sessionPerIp, 1_000_000);
    assert.equal(loadConfig({ DATA_DIR: tmp(), ...keys, RATE_LIMIT_MESSAGES_PER_VISITOR: '' }).rateLimits.messagePerVisitor, 20);
  });

  for (const [name, value] of [
    ['RATE_LIMIT_MESSAGES_PER_VISITOR', '0'],
    ['RATE_LIMIT_MESSAGES_PER_IP', '-5'],
    ['RATE_LIMIT_MESSAGES_PER_WORKSPACE', '2.5'],
    ['RATE_LIMIT_CONVERSATIONS_PER_VISITOR', 'ten'],
    ['RATE_LIMIT_CONVERSATIONS_PER_IP', '1000001'],
    ['RATE_LIMIT_CONVERSATIONS_PER_WORKSPACE', '0'],
    ['RATE_LIMIT_SESSIONS_PER_IP', '0'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '1001'],
    ['DATABASE_POOL_SIZE', 'many'],
  ] as const) {
    test(`${name}=${value} is out of bounds and stops start-up naming ${name}`, () => {
      assert.throws(() => loadConfig({ DATA_DIR: tmp(), ...keys, [name]: value }), (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, new RegExp(`^${name}: `));
        return true;
      });
    });
  }
});
