// How long the audit trails keep personal data (issue #11): IP addresses and emails
// are cut after ipTruncateDays, whole rows deleted after retentionDays. The bounds
// match the database functions of migration 0010, which refuse anything lower, so
// that whoever holds the runtime role cannot erase recent evidence through them.

export interface AuditRetention {
  /** AUDIT_IP_TRUNCATE_DAYS: addresses cut to /24 (IPv4) or /48 (IPv6), emails cleared. */
  ipTruncateDays: number;
  /** AUDIT_RETENTION_DAYS: audit rows deleted. */
  retentionDays: number;
}

export const AUDIT_RETENTION_DEFAULTS: AuditRetention = { ipTruncateDays: 30, retentionDays: 365 };

export const AUDIT_IP_TRUNCATE_DAYS_RANGE = { min: 7, max: 3650 } as const;
export const AUDIT_RETENTION_DAYS_RANGE = { min: 90, max: 3650 } as const;
