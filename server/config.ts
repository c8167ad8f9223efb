import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AUDIT_IP_TRUNCATE_DAYS_RANGE, AUDIT_RETENTION_DAYS_RANGE, AUDIT_RETENTION_DEFAULTS, type AuditRetention } from './audit/audit-retention.js';
import { loadOrCreateDevKeyrings } from './keys/dev-keyrings.js';
import { parseKeyring, type Keyring } from './keys/keyring.js';
import type { AdmissionLimits } from './http/admission-gate.js';
import { RATE_LIMITS, type RateLimitSettings } from './http/rate-limit.js';
import { legalConfig, type LegalConfig } from './legal/legal-config.js';
import { parseAllowNetworks } from './knowledge/fetch/address-guard.js';

/** The runtime role's login name on PostgreSQL; migrations create it. */
export const RUNTIME_ROLE = 'parley_app';

/** The highest MAX_REPLY_TOKENS accepted: far above a chat answer, still a bound on one reply's cost. */
export const MAX_REPLY_TOKENS_LIMIT = 8192;

const httpUrl = z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
  error: 'must be an http:// or https:// URL',
});
const postgresUrl = z.string().refine((v) => URL.canParse(v) && /^postgres(ql)?:$/.test(new URL(v).protocol), {
  error: 'must be a postgres:// or postgresql:// URL',
});
const redisUrl = z.string().refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), {
  error: 'must be a redis:// or rediss:// URL',
});
/** An unset variable and an empty one mean the same: use the default. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
/** A rate limit in requests per minute: at least 1 (0 would refuse everyone), a million at most. */
const perMinute = (fallback: number) => optional(z.coerce.number().int().min(1).max(1_000_000)).default(fallback);

/** Every environment variable Parley reads. Each one has a row in the README. */
const envSchema = z.object({
  /** TCP port to listen on; 0 picks a free one. */
  PORT: optional(z.coerce.number().int().min(0).max(65535)).default(3000),
  /** Interface to bind; 0.0.0.0 to listen on every interface. */
  HOST: optional(z.string().min(1)).default('127.0.0.1'),
  /** The origin browsers use to reach this server (scheme, host, port; no path). */
  PUBLIC_URL: optional(
    httpUrl.refine((v) => { const u = new URL(v); return u.pathname === '/' && !u.search && !u.hash; }, {
      error: 'must be an origin such as https://chat.example.com, without a path',
    }),
  ),
  /** Where the embedded database and development keyrings live. */
  DATA_DIR: optional(z.string().min(1)).default('./data'),
  /** Published widget versions (`npm run release` writes, the server serves /widget/v<version>.js from it); keep it across upgrades. */
  RELEASE_DIR: optional(z.string().min(1)).default('./release'),
  /** PostgreSQL connection of the schema owner; unset means embedded PGlite in DATA_DIR. */
  DATABASE_URL: optional(postgresUrl),
  /** PostgreSQL connection for tenant queries, as the runtime role; default: DATABASE_URL as user parley_app without password. */
  DATABASE_RUNTIME_URL: optional(postgresUrl),
  /** Connections this instance keeps to PostgreSQL as the runtime role; the database's max_connections must cover every instance's. */
  DATABASE_POOL_SIZE: optional(z.coerce.number().int().min(1).max(1000)).default(10),
  /** Keyring sealing stored secrets (BYOK keys): id:base64key[,…], first active. */
  MASTER_KEYS: optional(z.string()),
  /** Keyring signing visitor tokens (HMAC-SHA256): id:base64key[,…], first active. */
  TOKEN_KEYS: optional(z.string()),
  /** The operator's Mistral API key, used by workspaces without their own. */
  MISTRAL_API_KEY: optional(z.string().min(1)),
  /** Base URL of the Mistral API. */
  MISTRAL_SERVER_URL: optional(httpUrl).default('https://api.mistral.ai'),
  /** Model used when a workspace sets none. */
  MISTRAL_MODEL: optional(z.string().min(1)).default('mistral-small-latest'),
  /** The longest reply any workspace may ask the model for, in tokens (sent as max_tokens); a workspace may set less. */
  MAX_REPLY_TOKENS: optional(z.coerce.number().int().min(1).max(MAX_REPLY_TOKENS_LIMIT)).default(1024),
  /** Tokens (prompt + reply, as the provider reports them) each workspace may use per UTC day, unless the operator set its own; 0: no limit. */
  DAILY_TOKEN_BUDGET: optional(z.coerce.number().int().min(0).max(1e12)).default(200_000),
  /** Who may create an account: open (anyone, once the address is confirmed), invite (an invitation to that address), closed (only `npm run create-admin`). Default: closed in production, open otherwise. */
  SIGNUP: optional(z.enum(['open', 'invite', 'closed'])),
  /** Which workspaces without their own key may chat on MISTRAL_API_KEY: all, granted (by `npm run operator-key`), none. Default: granted when SIGNUP=open, else all. */
  OPERATOR_KEY_WORKSPACES: optional(z.enum(['all', 'granted', 'none'])),
  /** Redis for rate limits shared between instances; unset keeps them in memory. */
  REDIS_URL: optional(redisUrl),
  /** Messages a minute one visitor may send. */
  RATE_LIMIT_MESSAGES_PER_VISITOR: perMinute(RATE_LIMITS.messagePerVisitor),
  /** Messages a minute from one client address, whichever visitors send them. */
  RATE_LIMIT_MESSAGES_PER_IP: perMinute(RATE_LIMITS.messagePerIp),
  /** Messages a minute in one workspace, all visitors together. */
  RATE_LIMIT_MESSAGES_PER_WORKSPACE: perMinute(RATE_LIMITS.messagePerWorkspace),
  /** Conversations one visitor may create or delete a minute. */
  RATE_LIMIT_CONVERSATIONS_PER_VISITOR: perMinute(RATE_LIMITS.conversationPerVisitor),
  /** Conversations created or deleted a minute from one client address. */
  RATE_LIMIT_CONVERSATIONS_PER_IP: perMinute(RATE_LIMITS.conversationPerIp),
  /** Conversations created or deleted a minute in one workspace. */
  RATE_LIMIT_CONVERSATIONS_PER_WORKSPACE: perMinute(RATE_LIMITS.conversationPerWorkspace),
  /** Visitor sessions (widget tokens) a minute for one client address. */
  RATE_LIMIT_SESSIONS_PER_IP: perMinute(RATE_LIMITS.sessionPerIp),
  /** Proxies whose X-Forwarded-For gives the client's address: loopback, subnets, addresses, a hop count, or none. */
  TRUST_PROXY: optional(z.string().min(1)).default('loopback'),
  /** Minutes between retention runs, once across all instances (at start-up if the last run started longer ago); 0 disables them (use `npm run retention`). */
  RETENTION_INTERVAL_MINUTES: optional(z.coerce.number().int().min(0).max(10_080)).default(60),
  /** Days after which the retention job cuts IP addresses in the audit logs to /24 (IPv4) or /48 (IPv6) and clears emails in their details; 7 at least. */
  AUDIT_IP_TRUNCATE_DAYS: optional(z.coerce.number().int().min(AUDIT_IP_TRUNCATE_DAYS_RANGE.min).max(AUDIT_IP_TRUNCATE_DAYS_RANGE.max)).default(AUDIT_RETENTION_DEFAULTS.ipTruncateDays),
  /** Days after which the retention job deletes audit log rows (both logs); 90 at least. */
  AUDIT_RETENTION_DAYS: optional(z.coerce.number().int().min(AUDIT_RETENTION_DAYS_RANGE.min).max(AUDIT_RETENTION_DAYS_RANGE.max)).default(AUDIT_RETENTION_DEFAULTS.retentionDays),
  /** Widget requests doing database work at once (a message until it is stored); default DATABASE_POOL_SIZE + 2. */
  ADMISSION_MAX_ACTIVE: optional(z.coerce.number().int().min(1).max(10_000)),
  /** Widget requests waiting for one of those slots; beyond, 503 busy at once. */
  ADMISSION_MAX_QUEUE: optional(z.coerce.number().int().min(0).max(100_000)).default(500),
  /** Milliseconds a widget request waits for a slot before it is answered 503 busy. */
  ADMISSION_MAX_WAIT_MS: optional(z.coerce.number().int().min(0).max(60_000)).default(2_000),
  /** Non-public networks knowledge fetching may reach anyway (comma-separated CIDRs, e.g. 127.0.0.1/32 for tests); unset: public addresses only. */
  KNOWLEDGE_FETCH_ALLOW_NETWORKS: optional(z.string()),
  /** Pages one sitemap source takes at most. */
  KNOWLEDGE_SITEMAP_MAX_PAGES: optional(z.coerce.number().int().min(1).max(100_000)).default(2_000),
  /** pino level. */
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).default('info'),
  /** on: a demo workspace and a demo host page on DEMO_PORT. Default on in development only. */
  DEMO: optional(z.enum(['on', 'off'])),
  /** Port of the demo host page; default PORT + 1 (0 when PORT is 0). */
  DEMO_PORT: optional(z.coerce.number().int().min(0).max(65535)),
  /** The legal entity running this server, named in the TOMs, DPA and sub-processor list. */
  LEGAL_OPERATOR_NAME: optional(z.string().trim().min(1).max(300)),
  /** Where customers and data subjects write about data protection. */
  LEGAL_OPERATOR_CONTACT: optional(z.string().trim().min(1).max(300)),
  /** Who hosts the server, database and backups. */
  LEGAL_HOSTING_PROVIDER: optional(z.string().trim().min(1).max(300)),
  /** Where they are hosted, e.g. "Germany (EU)". */
  LEGAL_HOSTING_LOCATION: optional(z.string().trim().min(1).max(300)),
  /** A directory whose toms.md, dpa.md and subprocessors.json replace the built-in ones. */
  LEGAL_DIR: optional(z.string().min(1)),
  /** production makes keyrings and PUBLIC_URL mandatory. */
  NODE_ENV: optional(z.enum(['development', 'production', 'test'])).default('development'),
});

export interface Config {
  port: number;
  host: string;
  /** PUBLIC_URL's origin; unset means the address the server binds. */
  publicUrl: string | undefined;
  dataDir: string;
  /** RELEASE_DIR, absolute: published widget versions live in its widget/ folder. */
  releaseDir: string;
  /** Unset: embedded PGlite. */
  database: { kind: 'pglite'; dir: string } | { kind: 'postgres'; ownerUrl: string; runtimeUrl: string; /** DATABASE_POOL_SIZE; 10 when unset. */ poolSize?: number };
  masterKeys: Keyring;
  tokenKeys: Keyring;
  mistral: { apiKey: string | undefined; serverUrl: string; model: string };
  /** MAX_REPLY_TOKENS and DAILY_TOKEN_BUDGET: what one reply and one workspace's day may cost (server/usage/). */
  usage: { maxReplyTokens: number; dailyTokenBudget: number };
  /** SIGNUP: who may create an account through the panel. */
  signup: SignupPolicy;
  /** OPERATOR_KEY_WORKSPACES: which workspaces without their own key may use mistral.apiKey. */
  operatorKeyWorkspaces: 'all' | 'granted' | 'none';
  redisUrl: string | undefined;
  /** RATE_LIMIT_*: the widget API's limits, per minute (server/http/rate-limit.ts). */
  rateLimits: RateLimitSettings;
  /** Express's `trust proxy`: whose X-Forwarded-For names the client (per-address rate limits). */
  trustProxy: false | number | string[];
  /** Minutes between scheduled retention runs; 0: none, not even at start-up. */
  retentionIntervalMinutes: number;
  /** AUDIT_IP_TRUNCATE_DAYS and AUDIT_RETENTION_DAYS: how long the audit logs keep personal data. */
  audit: AuditRetention;
  /** The demo host page and its workspace; undefined when off. */
  demo: { port: number } | undefined;
  /** What the legal pages say about the operator (server/legal/). */
  legal: LegalConfig;
  /** ADMISSION_*: how much database work widget requests may ask for at once (server/http/admission.ts). */
  admission: AdmissionLimits;
  /** KNOWLEDGE_FETCH_ALLOW_NETWORKS (normalized CIDRs, empty by default) and KNOWLEDGE_SITEMAP_MAX_PAGES (server/knowledge/fetch/). */
  knowledgeFetch: { allowNetworks: string[]; sitemapMaxPages: number };
  logLevel: string;
  env: 'development' | 'production' | 'test';
  /** Values that must never appear in a log line. */
  secrets: readonly string[];
}

export type SignupPolicy = 'open' | 'invite' | 'closed';

/** A start-up problem explained in one line, naming the variable at fault. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates the environment once; throws ConfigError on the first bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  for (const name of ['MASTER_KEYS', 'TOKEN_KEYS', 'PUBLIC_URL'] as const) {
    if (production && !e[name]) throw new ConfigError(`${name}: required when NODE_ENV=production`);
  }
  const dataDir = resolve(e.DATA_DIR);
  const generated = e.MASTER_KEYS && e.TOKEN_KEYS ? undefined : loadOrCreateDevKeyrings(dataDir);
  const masterText = e.MASTER_KEYS ?? generated!.MASTER_KEYS;
  const tokenText = e.TOKEN_KEYS ?? generated!.TOKEN_KEYS;
  // Open sign-up lets strangers create workspaces: they do not chat on the operator's key unless granted.
  const signup = e.SIGNUP ?? (production ? 'closed' : 'open');
  const masterKeys = keyring('MASTER_KEYS', masterText);
  const tokenKeys = keyring('TOKEN_KEYS', tokenText);

  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ? new URL(e.PUBLIC_URL).origin : undefined,
    dataDir,
    releaseDir: resolve(e.RELEASE_DIR),
    database: e.DATABASE_URL
      ? { kind: 'postgres', ownerUrl: e.DATABASE_URL, runtimeUrl: e.DATABASE_RUNTIME_URL ?? runtimeUrlFor(e.DATABASE_URL), poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dir: resolve(dataDir, 'pglite') },
    masterKeys,
    tokenKeys,
    mistral: { apiKey: e.MISTRAL_API_KEY, serverUrl: e.MISTRAL_SERVER_URL.replace(/\/+$/, ''), model: e.MISTRAL_MODEL },
    usage: { maxReplyTokens: e.MAX_REPLY_TOKENS, dailyTokenBudget: e.DAILY_TOKEN_BUDGET },
    signup,
    operatorKeyWorkspaces: e.OPERATOR_KEY_WORKSPACES ?? (signup === 'open' ? 'granted' : 'all'),
    redisUrl: e.REDIS_URL,
    rateLimits: {
      messagePerVisitor: e.RATE_LIMIT_MESSAGES_PER_VISITOR,
      messagePerIp: e.RATE_LIMIT_MESSAGES_PER_IP,
      messagePerWorkspace: e.RATE_LIMIT_MESSAGES_PER_WORKSPACE,
      conversationPerVisitor: e.RATE_LIMIT_CONVERSATIONS_PER_VISITOR,
      conversationPerIp: e.RATE_LIMIT_CONVERSATIONS_PER_IP,
      conversationPerWorkspace: e.RATE_LIMIT_CONVERSATIONS_PER_WORKSPACE,
      sessionPerIp: e.RATE_LIMIT_SESSIONS_PER_IP,
    },
    trustProxy: trustProxy(e.TRUST_PROXY),
    retentionIntervalMinutes: e.RETENTION_INTERVAL_MINUTES,
    audit: { ipTruncateDays: e.AUDIT_IP_TRUNCATE_DAYS, retentionDays: e.AUDIT_RETENTION_DAYS },
    demo: (e.DEMO ?? (e.NODE_ENV === 'development' ? 'on' : 'off')) === 'on'
      ? { port: e.DEMO_PORT ?? (e.PORT === 0 || e.PORT === 65535 ? 0 : e.PORT + 1) }
      : undefined,
    legal: legalConfig(e),
    admission: { maxActive: e.ADMISSION_MAX_ACTIVE ?? e.DATABASE_POOL_SIZE + 2, maxQueue: e.ADMISSION_MAX_QUEUE, maxWaitMs: e.ADMISSION_MAX_WAIT_MS },
    knowledgeFetch: { allowNetworks: allowNetworks(e.KNOWLEDGE_FETCH_ALLOW_NETWORKS), sitemapMaxPages: e.KNOWLEDGE_SITEMAP_MAX_PAGES },
    logLevel: e.LOG_LEVEL,
    env: e.NODE_ENV,
    secrets: [masterText, tokenText, e.MISTRAL_API_KEY, e.DATABASE_URL, e.DATABASE_RUNTIME_URL, e.REDIS_URL]
      .concat(secretParts(masterText), secretParts(tokenText), urlPasswords(e.DATABASE_URL, e.DATABASE_RUNTIME_URL, e.REDIS_URL))
      .filter((s): s is string => typeof s === 'string' && s.length > 0),
  };
}

/**
 * The settings `npm run release` and `npm run verify-widget` need (RELEASE_DIR,
 * PUBLIC_URL), validated as the server validates them, without touching keyrings.
 */
export function loadReleaseConfig(env: NodeJS.ProcessEnv = process.env): { releaseDir: string; publicUrl: string | undefined } {
  const parsed = envSchema.pick({ RELEASE_DIR: true, PUBLIC_URL: true }).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  return { releaseDir: resolve(parsed.data.RELEASE_DIR), publicUrl: parsed.data.PUBLIC_URL ? new URL(parsed.data.PUBLIC_URL).origin : undefined };
}

function keyring(name: string, text: string): Keyring {
  try {
    return parseKeyring(text);
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
}

function allowNetworks(text: string | undefined): string[] {
  try {
    return parseAllowNetworks(text);
  } catch (err) {
    throw new ConfigError(`KNOWLEDGE_FETCH_ALLOW_NETWORKS: ${(err as Error).message}`);
  }
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * The default, loopback, believes X-Forwarded-For only from a proxy on the same host
 * (Caddy in docs/deployment.md); a client connecting directly cannot choose its address.
 * "true" (believe anyone) is refused for that reason.
 */
function trustProxy(text: string): false | number | string[] {
  if (text === 'none' || text === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const valid = PROXY_NAMES.has(entry) || (isIP(address!) !== 0 && extra === undefined && (bits === undefined || /^\d{1,3}$/.test(bits)));
    if (!valid) throw new ConfigError(`TRUST_PROXY: "${entry}" is not loopback, linklocal, uniquelocal, an IP address or a subnet; or use a hop count or none`);
  }
  return entries;
}

/** The same server and database, logged in as the runtime role. */
export function runtimeUrlFor(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.username = RUNTIME_ROLE;
  url.password = '';
  return url.toString();
}

function secretParts(keyringText: string): string[] {
  return keyringText.split(',').map((entry) => entry.slice(entry.indexOf(':') + 1).trim());
}

function urlPasswords(...urls: (string | undefined)[]): string[] {
  return urls.flatMap((u) => (u && URL.canParse(u) && new URL(u).password ? [decodeURIComponent(new URL(u).password)] : []));
}
