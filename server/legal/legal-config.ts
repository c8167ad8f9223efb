import { resolve } from 'node:path';
import { AUDIT_RETENTION_DEFAULTS } from '../audit/audit-retention.js';

/** What the operator tells the legal pages about themselves (README, "Configuration"). */
export interface LegalConfig {
  /** LEGAL_OPERATOR_NAME: the legal entity running this Parley server. */
  operatorName: string;
  /** LEGAL_OPERATOR_CONTACT: where customers and data subjects write, e.g. privacy@example.com. */
  operatorContact: string;
  /** LEGAL_HOSTING_PROVIDER: who hosts the server, database and backups, e.g. "Hetzner Online GmbH". */
  hostingProvider: string;
  /** LEGAL_HOSTING_LOCATION: where, e.g. "Germany (EU)". */
  hostingLocation: string;
  /** LEGAL_DIR: a directory whose toms.md, dpa.md and subprocessors.json replace the built-in ones. */
  dir: string | undefined;
  /** AUDIT_IP_TRUNCATE_DAYS, for the TOMs to state the period that really applies. */
  auditIpTruncateDays: string;
  /** AUDIT_RETENTION_DAYS, likewise. */
  auditRetentionDays: string;
}

type LegalEnv = Partial<Record<'LEGAL_OPERATOR_NAME' | 'LEGAL_OPERATOR_CONTACT' | 'LEGAL_HOSTING_PROVIDER' | 'LEGAL_HOSTING_LOCATION' | 'LEGAL_DIR', string | undefined>> &
  Partial<Record<'AUDIT_IP_TRUNCATE_DAYS' | 'AUDIT_RETENTION_DAYS', number | undefined>>;

// Unset values stay visible in the text, so an operator notices before a customer does.
const missing = (name: string) => `[${name} is not set]`;

/** The LEGAL_* (and AUDIT_*) variables as server/config.ts parsed them; all optional. */
export function legalConfig(env: LegalEnv): LegalConfig {
  return {
    operatorName: env.LEGAL_OPERATOR_NAME || missing('LEGAL_OPERATOR_NAME'),
    operatorContact: env.LEGAL_OPERATOR_CONTACT || missing('LEGAL_OPERATOR_CONTACT'),
    hostingProvider: env.LEGAL_HOSTING_PROVIDER || missing('LEGAL_HOSTING_PROVIDER'),
    hostingLocation: env.LEGAL_HOSTING_LOCATION || missing('LEGAL_HOSTING_LOCATION'),
    dir: env.LEGAL_DIR ? resolve(env.LEGAL_DIR) : undefined,
    auditIpTruncateDays: String(env.AUDIT_IP_TRUNCATE_DAYS ?? AUDIT_RETENTION_DEFAULTS.ipTruncateDays),
    auditRetentionDays: String(env.AUDIT_RETENTION_DAYS ?? AUDIT_RETENTION_DEFAULTS.retentionDays),
  };
}
