import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { spawnServer } from '../support/child-server.js';
import { testEnv } from '../support/test-server.js';

test('a server run whose requests carry credentials, with MISTRAL_API_KEY set, logs neither', async () => {
  const mistralKey = randomBytes(24).toString('base64url').slice(0, 32);
  const bearer = `ptk_${randomBytes(24).toString('hex')}`;
  const cookie = randomBytes(32).toString('base64url');
  const apiKey = `pk_${randomBytes(24).toString('hex')}`;
  // debug level logs request headers, so redaction is what keeps them out.
  const env = testEnv({ MISTRAL_API_KEY: mistralKey, LOG_LEVEL: 'debug' });
  const server = await spawnServer(['--import', 'tsx', 'server/main.ts'], env);
  try {
    const headers = { authorization: `Bearer ${bearer}`, cookie: `__Host-parley_session=${cookie}`, 'x-api-key': apiKey };
    await fetch(`${server.url}/healthz`, { headers });
    await fetch(`${server.url}/api/conversations?token=${bearer}&key=${mistralKey}`, { headers });
    await fetch(`${server.url}/api/anything`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: `{"apiKey": "${mistralKey}"` });
  } finally {
    assert.equal(await server.stop(), 0);
  }
  const output = server.output();
  assert.match(output, /"authorization":"\[redacted\]"/, 'request headers were logged (redacted)');
  assert.match(output, /"path":"\/api\/conversations"/, 'requests were logged');
  for (const [name, secret] of Object.entries({ mistralKey, bearer, cookie, apiKey })) {
    assert.ok(!output.includes(secret), `${name} must not appear in the logs`);
  }
});
