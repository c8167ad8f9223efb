import type { MailMessage, Mailer } from './mailer.js';

export interface MemoryOutbox extends Mailer {
  /** Every message, oldest first. */
  readonly sent: MailMessage[];
  /** The newest message to an address (compared case-insensitively). */
  lastTo(email: string): MailMessage | undefined;
  /** The newest message to an address that matches, once it has been sent; rejects after timeoutMs. */
  waitFor(email: string, match?: (m: MailMessage) => boolean, timeoutMs?: number): Promise<MailMessage>;
}

/**
 * A transport that keeps every message in memory, for tests that follow mailed links:
 * mail goes out after the answer, so a test waits for it rather than reading at once.
 */
export function memoryOutbox(): MemoryOutbox {
  const sent: MailMessage[] = [];
  const waiters = new Set<() => void>();
  const find = (email: string, match: (m: MailMessage) => boolean) =>
    sent.filter((m) => m.to.toLowerCase() === email.toLowerCase() && match(m)).at(-1);
  return {
    sent,
    async send(message) {
      sent.push(message);
      for (const wake of waiters) wake();
    },
    lastTo: (email) => find(email, () => true),
    waitFor(email, match = () => true, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = find(email, match);
          if (!found) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no mail to ${email} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
