import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../server/config.js';
import { generateKeyringText } from '../../server/keys/keyring.js';
import { dailyBudget, replyTokenLimit, utcDay } from '../../server/usage/usage.service.js';

const env = (extra: Record<string, string> = {}) => ({
  DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-usage-')), MASTER_KEYS: generateKeyringText('m1'), TOKEN_KEYS: generateKeyringText('t1'), ...extra,
});

describe('reply length and daily budget settings', () => {
  test('MAX_REPLY_TOKENS and DAILY_TOKEN_BUDGET: documented defaults, bounds named in one line', () => {
    assert.deepEqual(loadConfig(env()).usage, { maxReplyTokens: 1024, dailyTokenBudget: 200_000 });
    assert.deepEqual(loadConfig(env({ MAX_REPLY_TOKENS: '8192', DAILY_TOKEN_BUDGET: '0' })).usage, { maxReplyTokens: 8192, dailyTokenBudget: 0 });
    for (const [name, value] of [['MAX_REPLY_TOKENS', '0'], ['MAX_REPLY_TOKENS', '8193'], ['MAX_REPLY_TOKENS', '1.5'], ['DAILY_TOKEN_BUDGET', '-1'], ['DAILY_TOKEN_BUDGET', 'lots']]) {
      assert.throws(() => loadConfig(env({ [name!]: value! })), new RegExp(`^ConfigError: ${name}: `), `${name}=${value}`);
    }
  });

  test("a workspace's reply length never exceeds the ceiling; a budget of 0 means none", () => {
    const config = loadConfig(env({ MAX_REPLY_TOKENS: '500', DAILY_TOKEN_BUDGET: '1000' }));
    assert.equal(replyTokenLimit(config, null), 500);
    assert.equal(replyTokenLimit(config, 20), 20);
    assert.equal(replyTokenLimit(config, 5000), 500);
    assert.equal(dailyBudget(config, null), 1000);
    assert.equal(dailyBudget(config, 50), 50);
    assert.equal(dailyBudget(config, 0), undefined);
    assert.equal(dailyBudget(loadConfig(env({ DAILY_TOKEN_BUDGET: '0' })), null), undefined);
  });

  test('days are UTC days', () => {
    assert.equal(utcDay(new Date('2026-03-01T23:59:59.999-05:00')), '2026-03-02');
    assert.equal(utcDay(new Date('2026-03-01T00:30:00+02:00')), '2026-02-28');
  });
});
