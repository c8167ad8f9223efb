import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, isSecretFieldName, scrubSecrets } from '../../server/logging.js';

// Fake credentials, shaped like the real thing so the patterns have something to catch;
// assembled at run time so the repository holds nothing a secret scanner would flag.
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const SK = ['sk-', 'proj-Zx9TqLm3Wv7RbN2cKd8F'].join('');
const MISTRAL = 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF';
const AGE = ['AGE-SECRET-KEY-', '1QQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'].join('');
const CONFIGURED = 'hunter2-correct-horse';
const UUID = '550e8400-e29b-41d4-a716-446655440000';

// A parsed log line: tests index into it freely and let assert compare the leaves.
type Json = { [key: string]: Json } & { [index: number]: Json };

function capture(secrets?: readonly string[]) {
  const lines: string[] = [];
  const destination = {
    write(chunk: string) {
      lines.push(...chunk.split('\n').filter((line) => line.length > 0));
    },
  };
  const logger = createLogger({ level: 'debug', destination, ...(secrets ? { secrets } : {}) });
  const last = () => {
    const raw = lines.at(-1);
    assert.ok(raw, 'expected a log line');
    return { raw, json: JSON.parse(raw) as Json };
  };
  return { logger, lines, last };
}

function assertAbsent(raw: string, ...secrets: string[]) {
  for (const secret of secrets) assert.ok(!raw.includes(secret), `leaked ${secret} in ${raw}`);
}

describe('isSecretFieldName', () => {
  test('matches credential names in any case and naming style', () => {
    for (const name of ['authorization', 'Authorization', 'cookie', 'Set-Cookie', 'x-api-key', 'apiKey', 'MISTRAL_API_KEY',
      'accessToken', 'refresh_token', 'client_secret', 'newPassword', 'PASSWORD', 'passphrase', 'key', 'token']) {
      assert.equal(isSecretFieldName(name), true, name);
    }
  });

  test('leaves names that merely mention keys or tokens', () => {
    for (const name of ['keyId', 'tokenCount', 'promptTokens', 'completion_tokens', 'max_tokens', 'host', 'secretary', 'passwordHint']) {
      assert.equal(isSecretFieldName(name), false, name);
    }
  });
});

describe('scrubSecrets', () => {
  test('replaces each secret shape and configured value, keeping the surrounding text', () => {
    const out = scrubSecrets(`auth=Bearer ${JWT} sk=${SK} m=${MISTRAL}; age ${AGE} pw=${CONFIGURED}.`, [CONFIGURED]);
    assert.equal(out, 'auth=Bearer [redacted] sk=[redacted] m=[redacted]; age [redacted] pw=[redacted].');
  });

  test('leaves UUIDs, letter-only or over-long runs, and short configured values alone', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEF';
    const longRun = `${MISTRAL}9`;
    const text = `request ${UUID} saw ${letters} and ${longRun}, code abc1234`;
    assert.equal(scrubSecrets(text, ['abc1234', '']), text);
  });
});

describe('createLogger', () => {
  test('emits level as a string label, an ISO time and the message, without host noise', () => {
    const { logger, last } = capture();
    logger.info('hello there');
    const { json } = last();
    assert.equal(json.level, 'info');
    assert.equal(json.msg, 'hello there');
    assert.match(String(json.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(json.hostname, undefined);
  });

  test('redacts secret-named fields at any depth, including header objects', () => {
    const { logger, last } = capture();
    logger.info({
      req: { method: 'POST', url: '/v1/chat', headers: { host: 'parley.example', authorization: `Bearer ${JWT}`, Cookie: 'sid=COOKIEVALUE', 'x-api-key': 'XAPIKEYVALUE' } },
      res: { statusCode: 200, headers: { 'set-cookie': ['sid=SETCOOKIEVALUE'] } },
      config: { mistral: { MISTRAL_API_KEY: 'ENVKEYVALUE', model: 'mistral-small-latest' } },
      users: [{ name: 'ada', newPassword: 'PASSWORDVALUE', credentials: { accessToken: 'ACCESSVALUE', client_secret: 'CLIENTSECRETVALUE' } }],
    }, 'request done');
    const { raw, json } = last();
    assertAbsent(raw, JWT, 'COOKIEVALUE', 'XAPIKEYVALUE', 'SETCOOKIEVALUE', 'ENVKEYVALUE', 'PASSWORDVALUE', 'ACCESSVALUE', 'CLIENTSECRETVALUE');
    assert.equal(json.req?.headers?.authorization, '[redacted]');
    assert.equal(json.req?.headers?.Cookie, '[redacted]');
    assert.equal(json.res?.headers?.['set-cookie'], '[redacted]');
    assert.equal(json.users?.[0]?.credentials?.client_secret, '[redacted]');
    assert.equal(json.req?.headers?.host, 'parley.example');
    assert.equal(json.req?.url, '/v1/chat');
    assert.equal(json.config?.mistral?.model, 'mistral-small-latest');
    assert.equal(json.users?.[0]?.name, 'ada');
    assert.equal(json.msg, 'request done');
  });

  test('keeps fields whose names only mention keys or tokens', () => {
    const { logger, last } = capture();
    logger.info({ keyId: 'm1', usage: { tokenCount: 42, promptTokens: 30, completion_tokens: 12 } }, 'usage');
    const { json } = last();
    assert.equal(json.keyId, 'm1');
    assert.deepEqual(json.usage, { tokenCount: 42, promptTokens: 30, completion_tokens: 12 });
  });

  test('scrubs secrets from the message, printf arguments and nested strings', () => {
    const { logger, lines } = capture([CONFIGURED]);
    logger.info(`calling upstream with Bearer ${JWT} and ${SK}`);
    logger.warn('tenant %s used key %s and %j', 'acme', MISTRAL, { apiKey: 'JSONKEYVALUE', region: 'eu' });
    logger.info('auth header was Bearer %s', 'shortTok');
    logger.info({ detail: { notes: [`age ${AGE}`, `password is ${CONFIGURED}!`], region: 'eu-west' } }, 'nested');
    assert.equal(lines.length, 4);
    for (const raw of lines) assertAbsent(raw, JWT, SK, MISTRAL, 'JSONKEYVALUE', 'shortTok', AGE, CONFIGURED);
    const [first, second, third, fourth] = lines.map((line) => JSON.parse(line) as Json);
    assert.equal(first?.msg, 'calling upstream with Bearer [redacted] and [redacted]');
    assert.match(String(second?.msg), /^tenant acme used key \[redacted\] and .*"region":"eu"/);
    assert.equal(third?.msg, 'auth header was Bearer [redacted]');
    assert.deepEqual(fourth?.detail, { notes: ['age [redacted]', 'password is [redacted]!'], region: 'eu-west' });
  });

  test('scrubs error messages, stacks and error properties', () => {
    const { logger, lines } = capture([CONFIGURED]);
    const err = Object.assign(new Error(`upstream rejected ${MISTRAL} (${CONFIGURED})`), {
      status: 401,
      config: { headers: { Authorization: `Bearer ${JWT}` } },
    });
    logger.error({ err, tenant: 'acme' }, 'mistral call failed');
    logger.error(err);
    logger.error({ err });
    assert.equal(lines.length, 3);
    for (const raw of lines) assertAbsent(raw, MISTRAL, CONFIGURED, JWT);
    const [withMsg, bare, wrapped] = lines.map((line) => JSON.parse(line) as Json);
    assert.equal(withMsg?.msg, 'mistral call failed');
    assert.equal(withMsg?.tenant, 'acme');
    assert.equal(withMsg?.err?.type, 'Error');
    assert.equal(withMsg?.err?.status, 401);
    assert.equal(withMsg?.err?.message, 'upstream rejected [redacted] ([redacted])');
    assert.match(String(withMsg?.err?.stack), /^Error: upstream rejected \[redacted\][\s\S]*logging\.test\.ts/);
    assert.equal(withMsg?.err?.config?.headers?.Authorization, '[redacted]');
    assert.equal(bare?.msg, 'upstream rejected [redacted] ([redacted])');
    assert.equal(wrapped?.msg, 'upstream rejected [redacted] ([redacted])');
  });

  test('scrubs child and grandchild bindings', () => {
    const { logger, last } = capture([CONFIGURED]);
    const child = logger.child({ tenant: 'acme', apiKey: 'CHILDKEYVALUE', upstream: `Bearer ${JWT}` });
    const grandchild = child.child({ requestId: UUID, session: { token: 'SESSIONTOKENVALUE' }, note: CONFIGURED });
    grandchild.info({ sk: SK }, 'in child');
    const { raw, json } = last();
    assertAbsent(raw, 'CHILDKEYVALUE', JWT, 'SESSIONTOKENVALUE', CONFIGURED, SK);
    assert.equal(json.tenant, 'acme');
    assert.equal(json.apiKey, '[redacted]');
    assert.equal(json.upstream, 'Bearer [redacted]');
    assert.equal(json.requestId, UUID);
    assert.equal(json.session?.token, '[redacted]');
    assert.equal(json.msg, 'in child');
  });

  test('lets UUIDs and ordinary text through untouched', () => {
    const { logger, last } = capture(['short']);
    const text = `conversation ${UUID} closed after 3 turns; short reply, model mistral-small-latest`;
    logger.info({ conversationId: UUID, summary: text }, text);
    const { json } = last();
    assert.equal(json.msg, text);
    assert.equal(json.summary, text);
    assert.equal(json.conversationId, UUID);
  });

  test('survives circular structures', () => {
    const { logger, last } = capture();
    const loop: Record<string, unknown> = { name: 'loop', password: 'LOOPPASSWORD' };
    loop.self = loop;
    logger.info({ loop }, 'circular');
    const { raw, json } = last();
    assertAbsent(raw, 'LOOPPASSWORD');
    assert.equal(json.loop?.name, 'loop');
    assert.equal(json.loop?.self, '[Circular]');
  });
});
