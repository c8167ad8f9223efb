import type { Logger } from '../logging.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** How Parley sends email. Swap in an SMTP or API sender; the default only logs. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * The default: writes each message to the server log at info, where the operator can
 * pass it on. Its fields are named so the log redaction (which hides fields named like
 * token or secret) leaves the link readable; it appears nowhere else.
 */
export function logMailer(logger: Logger): Mailer {
  return {
    async send({ to, subject, text }) {
      logger.info({ mail: { to, subject, text } }, `mail for ${to}: ${subject} (no mailer configured; pass it on)`);
    },
  };
}
