import { format } from 'node:util';
import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level: string;
  /** Exact values (API keys, passwords, …) that must never appear in a log line. */
  secrets?: readonly string[];
  destination?: pino.DestinationStream;
}

const REDACTED = '[redacted]';
const SECRET_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
const SECRET_SUFFIXES = ['key', 'token', 'secret', 'password', 'passphrase'];
// Bounds the walk so a huge or hostile object cannot stall the request that logs it.
const MAX_DEPTH = 16;
const MIN_SECRET_LENGTH = 8;

const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  [/(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/AGE-SECRET-KEY-1[0-9A-Za-z]+/g, REDACTED],
  // Parley API keys (server/api-keys/): the 12-character display prefix alone is left readable.
  [/(?<![A-Za-z0-9_-])pk_live_[A-Za-z0-9_-]{16,}/g, REDACTED],
  // Mistral keys are bare 32-char alphanumerics; requiring a digit and a letter spares plain words.
  [/(?<![A-Za-z0-9])(?=[A-Za-z0-9]{32}(?![A-Za-z0-9]))(?=[A-Za-z]*[0-9])(?=[0-9]*[A-Za-z])[A-Za-z0-9]{32}/g, REDACTED],
];

/** True when a field of this name holds a credential (`apiKey`, `client_secret`), not when it merely mentions one (`keyId`, `promptTokens`). */
export function isSecretFieldName(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAMES.has(lower) || SECRET_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** Replaces secret-shaped substrings and every configured secret value in `text` with "[redacted]". */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const exact = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of exact) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

function redact(value: unknown, secrets: readonly string[], ancestors = new WeakSet<object>(), depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  ancestors.add(value);
  try {
    const next = (v: unknown): unknown => redact(v, secrets, ancestors, depth + 1);
    if (Array.isArray(value)) return value.map(next);
    let source: object = value;
    if (value instanceof Error) source = pino.stdSerializers.err(value);
    else if (value instanceof Map) source = Object.fromEntries(value);
    else if (typeof Headers !== 'undefined' && value instanceof Headers) source = Object.fromEntries(value.entries());
    else if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return next((value as { toJSON: () => unknown }).toJSON());
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(source)) {
      out[key] = isSecretFieldName(key) && field !== undefined && field !== null ? REDACTED : next(field);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

function errorMessageOf(obj: object): unknown {
  const err = (obj as { err?: unknown }).err;
  return err !== null && typeof err === 'object' ? (err as { message?: unknown }).message : undefined;
}

/** Rewrites log-call arguments so the message pino builds from them is already scrubbed. */
function scrubArgs(args: unknown[], secrets: readonly string[]): unknown[] {
  const [first, ...rest] = args;
  const hasObject = first !== null && typeof first === 'object';
  const obj = first instanceof Error ? { err: first } : first;
  let msg = hasObject || first === undefined ? rest.shift() : first;
  // pino would otherwise copy err.message into `msg` itself, after our hooks ran.
  if (hasObject && msg === undefined && (obj as { msg?: unknown }).msg === undefined) msg = errorMessageOf(obj as object);
  if (typeof msg === 'string') {
    // Format before scrubbing so a template like "Bearer %s" cannot reassemble a secret.
    msg = scrubSecrets(rest.length > 0 ? format(msg, ...rest.map((a) => redact(a, secrets))) : msg, secrets);
  }
  if (!hasObject) return msg === undefined ? [] : [msg];
  return msg === undefined ? [obj] : [obj, msg];
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets ?? [];
  const asRecord = (value: unknown): Record<string, unknown> => (redact(value ?? {}, secrets) ?? {}) as Record<string, unknown>;
  const pinoOptions: pino.LoggerOptions = {
    level: options.level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    // formatters.log already ran stdSerializers.err; re-running it on that output would report type "Object".
    serializers: { err: (err: unknown) => err },
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => asRecord(bindings),
      log: (object) => asRecord(object),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, scrubArgs(args as unknown[], secrets) as Parameters<pino.LogFn>);
      },
    },
  };
  const logger = options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);

  // pino applies formatters.bindings only to the root's base, so children (which inherit these) scrub here.
  const child = logger.child;
  logger.child = function (this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
    return Reflect.apply(child, this, [asRecord(bindings), childOptions]) as Logger;
  } as unknown as Logger['child'];
  const setBindings = logger.setBindings;
  logger.setBindings = function (this: Logger, bindings: pino.Bindings) {
    setBindings.call(this, asRecord(bindings));
  };
  return logger;
}
