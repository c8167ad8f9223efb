import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError, type Api, type SessionGrant, type Visitor } from '../../widget/lib/api.js';
import { Session } from '../../widget/lib/session.js';
import { safeStorage } from '../../widget/lib/storage.js';

function fakeApi(now: () => number) {
  const calls: (Visitor | undefined)[] = [];
  let n = 0;
  const api = {
    async session(visitor: Visitor | undefined): Promise<SessionGrant> {
      calls.push(visitor);
      n++;
      await new Promise((r) => setTimeout(r, 5));
      return {
        token: `t${n}`,
        expiresAt: new Date(now() + 15 * 60_000).toISOString(),
        ...(visitor ? {} : { visitor: { id: 'v1', secret: 's1' } }),
      };
    },
  };
  return { api: api as unknown as Api, calls };
}

describe('widget session', () => {
  test('a first visit creates the visitor and stores it under parley:<id>:visitor; later sessions send it', async () => {
    const clock = 1_000_000;
    const storage = safeStorage('local');
    const { api, calls } = fakeApi(() => clock);
    const session = new Session(api, storage, 'wk_one', () => clock);
    assert.equal(session.known, false);
    assert.equal(await session.authorized(async (t) => t), 't1');
    assert.equal(session.known, true);
    assert.deepEqual(JSON.parse(storage.get('parley:wk_one:visitor')!), { id: 'v1', secret: 's1' });

    const again = new Session(api, storage, 'wk_one', () => clock);
    assert.equal(await again.authorized(async (t) => t), 't2');
    assert.deepEqual(calls, [undefined, { id: 'v1', secret: 's1' }]);
  });

  test('reuses the token until a minute before it expires, then mints a new one', async () => {
    let clock = 1_000_000;
    const { api, calls } = fakeApi(() => clock);
    const session = new Session(api, safeStorage('local'), 'wk_two', () => clock);
    assert.equal(await session.authorized(async (t) => t), 't1');
    clock += 13 * 60_000;
    assert.equal(await session.authorized(async (t) => t), 't1');
    clock += 90_000;
    assert.equal(await session.authorized(async (t) => t), 't2');
    assert.equal(calls.length, 2);
  });

  test('concurrent calls share one new token', async () => {
    const { api, calls } = fakeApi(() => Date.now());
    const session = new Session(api, safeStorage('local'), 'wk_three');
    const tokens = await Promise.all([1, 2, 3].map(() => session.authorized(async (t) => t)));
    assert.deepEqual(tokens, ['t1', 't1', 't1']);
    assert.equal(calls.length, 1);
  });

  test('on 401 mints a new token and tries once more; other errors pass through', async () => {
    const { api } = fakeApi(() => Date.now());
    const session = new Session(api, safeStorage('local'), 'wk_four');
    const seen: string[] = [];
    const result = await session.authorized(async (t) => {
      seen.push(t);
      if (t === 't1') throw new ApiError(401, 'invalid_token', 'expired');
      return 'ok';
    });
    assert.equal(result, 'ok');
    assert.deepEqual(seen, ['t1', 't2']);

    await assert.rejects(session.authorized(async () => { throw new ApiError(401, 'invalid_token', 'still'); }), { status: 401 });
    await assert.rejects(session.authorized(async () => { throw new ApiError(429, 'rate_limited', 'slow'); }), { status: 429 });
  });

  test('a stored visitor that is not valid JSON counts as none', async () => {
    const storage = safeStorage('local');
    storage.set('parley:wk_five:visitor', '{oops');
    const { api, calls } = fakeApi(() => Date.now());
    const session = new Session(api, storage, 'wk_five');
    assert.equal(session.known, false);
    await session.authorized(async (t) => t);
    assert.deepEqual(calls, [undefined]);
  });
});
