import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trimHistory } from '../../server/chat/history.js';

const user = (content: string) => ({ role: 'user' as const, content });
const assistant = (content: string) => ({ role: 'assistant' as const, content });

describe('trimHistory', () => {
  test('keeps everything that fits, in order, after the system prompt', () => {
    const history = [user('a'), assistant('b'), user('c')];
    assert.deepEqual(trimHistory(history, 'Be brief.', 100), [{ role: 'system', content: 'Be brief.' }, ...history]);
  });

  test('an empty or blank system prompt is left out', () => {
    assert.deepEqual(trimHistory([user('hi')], '  \n', 100), [user('hi')]);
  });

  test('drops the oldest messages beyond the budget and never starts with the assistant', () => {
    const history = [user('1111'), assistant('2222'), user('3333'), assistant('4444'), user('5555')];
    // 12 characters fit the last three; 11 fit two, and the assistant one is then dropped too.
    assert.deepEqual(trimHistory(history, '', 12), history.slice(2));
    assert.deepEqual(trimHistory(history, '', 11), [user('5555')]);
  });

  test('the newest message is kept even when it alone exceeds the budget', () => {
    assert.deepEqual(trimHistory([user('old'), assistant('older'), user('x'.repeat(50))], '', 10), [user('x'.repeat(50))]);
  });

  test('consecutive messages of one role are joined and empty ones skipped', () => {
    const history = [user('first'), user('second'), assistant(''), assistant('reply'), user('third')];
    assert.deepEqual(trimHistory(history, '', 1000), [user('first\n\nsecond'), assistant('reply'), user('third')]);
  });
});
