import type { Logger } from '../logging.js';
import type { Mailer } from './mailer.js';

/**
 * Writes each message to the server log at info. With showText, the whole message: its
 * fields are named so the log redaction (which hides fields named like token or secret)
 * leaves the link readable for a developer. Without it, only who and what: the links in
 * a message are credentials, and a production log is read by more people than the
 * recipient.
 */
export function logMailer(logger: Logger, { showText }: { showText: boolean }): Mailer {
  return {
    async send({ to, subject, text }) {
      if (showText) logger.info({ mail: { to, subject, text } }, `mail for ${to}: ${subject} (development: shown here, not sent)`);
      else logger.info({ mail: { to, subject } }, `mail for ${to} not sent: no mail transport is configured (${subject})`);
    },
  };
}
