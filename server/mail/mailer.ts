import type { Config } from '../config.js';
import type { Logger } from '../logging.js';
import { logMailer } from './log-mailer.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * How Parley sends email: sign-up links, password resets, invitations, notices to an
 * address's owner. Callers send after answering the request and never wait on it for
 * their answer, so a slow or failing transport changes no response.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * The transport this server uses. Only the log exists so far (SMTP comes with issue
 * #14): in development and tests it shows the whole message, links included, like a
 * letter opener; in production it says that mail is not configured and leaves the
 * message text, which holds credentials, out of the log.
 */
export function createMailer(config: Pick<Config, 'env'>, logger: Logger): Mailer {
  return logMailer(logger, { showText: config.env !== 'production' });
}
