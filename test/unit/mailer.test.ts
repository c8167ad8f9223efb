import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../server/logging.js';
import { createMailer } from '../../server/mail/mailer.js';
import { memoryOutbox } from '../../server/mail/memory-outbox.js';

const message = { to: 'ada@example.test', subject: 'Reset your Parley password', text: `Open https://chat.example.com/admin/reset-password#token=${'ab'.repeat(32)}` };

function logged(env: 'development' | 'production' | 'test') {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', secrets: [], destination: { write: (line: string) => void lines.push(line) } });
  return { mailer: createMailer({ env }, logger), lines };
}

test('in development and tests the log shows the whole message, link included, like a letter opener', async () => {
  for (const env of ['development', 'test'] as const) {
    const { mailer, lines } = logged(env);
    await mailer.send(message);
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as { level: string; msg: string; mail: { to: string; subject: string; text: string } };
    assert.equal(line.level, 'info');
    assert.deepEqual(line.mail, message);
  }
});

test('in production the log says mail is not configured and leaves the text, with its link, out', async () => {
  const { mailer, lines } = logged('production');
  await mailer.send(message);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as { level: string; msg: string; mail: Record<string, string> };
  assert.equal(line.level, 'info');
  assert.match(line.msg, /not sent: no mail transport is configured/);
  assert.deepEqual(line.mail, { to: message.to, subject: message.subject });
  assert.ok(!lines[0]!.includes('#token='), 'no link');
});

test('the memory outbox hands a test the mail once it is sent, and gives up after a while', async () => {
  const outbox = memoryOutbox();
  const waiting = outbox.waitFor('ADA@example.test', (m) => m.subject.startsWith('Reset'));
  await outbox.send({ ...message, subject: 'Something else' });
  setTimeout(() => void outbox.send(message), 10);
  assert.deepEqual(await waiting, message);
  assert.deepEqual(outbox.lastTo('ada@EXAMPLE.test'), message);
  await assert.rejects(outbox.waitFor('nobody@example.test', undefined, 50), /no mail to nobody@example.test within 50 ms/);
});
