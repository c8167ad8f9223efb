// The shapes docs/admin-api.md answers with.

export type Role = 'viewer' | 'member' | 'admin' | 'owner';

export interface Account {
  id: string;
  email: string;
  name: string | null;
  createdAt: string;
  mfaEnabled: boolean;
}

export interface SessionAnswer {
  account: Account;
  session: { expiresAt: string };
  csrfToken: string;
}

export interface WorkspaceSummary {
  id: string;
  publicId: string;
  name: string;
  role: Role;
}

export interface Workspace extends WorkspaceSummary {
  requireMfa: boolean;
  createdAt: string;
}

export interface Settings {
  allowedOrigins: string[];
  title: string;
  greeting: string;
  color: string;
  position: string;
  systemPrompt: string;
  model: string | null;
  retentionDays: number | null;
  /** Null: the server's ceiling. */
  maxReplyTokens: number | null;
  updatedAt: string;
}

/** GET /workspaces/:id/usage: today's tokens against the daily budget. */
export interface Usage {
  day: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Null: no daily limit. */
  budget: number | null;
  budgetSource: 'default' | 'operator';
  exhausted: boolean;
  resetsAt: string;
  maxReplyTokensCeiling: number;
}

export interface Snippets {
  rolling: { url: string; html: string };
  pinned: { version: string; url: string; integrity: string; html: string } | null;
}

export interface ProviderKey {
  provider: string;
  last4: string;
  updatedAt: string;
}

export interface ConversationSummary {
  id: string;
  visitorId: string;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
  preview: string;
}

export interface Message {
  id: string;
  role: string;
  content: string;
  status: string;
  /** What a grounded reply cited; url null for pasted text. */
  sources?: { id: string; title: string; url: string | null }[];
  createdAt: string;
}

export interface Member {
  accountId: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  scope: 'read' | 'write';
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEvent {
  id: string;
  actor: unknown;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  before: unknown;
  after: unknown;
  createdAt: string;
}
