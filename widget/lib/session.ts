import { ApiError, type Api, type Visitor } from './api.js';
import type { SafeStorage } from './storage.js';

/** Mint a new token when the current one has less than this left (the contract says a minute). */
const REFRESH_MARGIN_MS = 60_000;

/**
 * The visitor's identity and short-lived token. The visitor {id, secret} lives in
 * localStorage under `parley:<PUBLIC_ID>:visitor`; tokens only in memory.
 */
export class Session {
  private token: { value: string; expiresAt: number } | undefined;
  private minting: Promise<string> | undefined;
  private readonly key: string;

  constructor(
    private readonly api: Api,
    private readonly storage: SafeStorage,
    workspace: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = `parley:${workspace}:visitor`;
  }

  /** True when this browser has chatted here before, so there may be history to show. */
  get known(): boolean {
    return this.visitor() !== undefined;
  }

  /** Runs fn with a valid token; on 401 mints a fresh one and runs it once more. */
  async authorized<T>(fn: (token: string) => Promise<T>): Promise<T> {
    const token = await this.current();
    try {
      return await fn(token);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      if (this.token?.value === token) this.token = undefined;
      return fn(await this.current());
    }
  }

  private current(): Promise<string> {
    if (this.token && this.token.expiresAt - this.now() > REFRESH_MARGIN_MS) return Promise.resolve(this.token.value);
    this.minting ??= this.mint().finally(() => (this.minting = undefined));
    return this.minting;
  }

  private async mint(): Promise<string> {
    const grant = await this.api.session(this.visitor());
    if (grant.visitor) this.storage.set(this.key, JSON.stringify(grant.visitor));
    const expiresAt = Date.parse(grant.expiresAt);
    // A server clock far off ours must not make every call mint a token: assume at least 5 minutes.
    this.token = { value: grant.token, expiresAt: Number.isFinite(expiresAt) ? Math.max(expiresAt, this.now() + 5 * 60_000) : this.now() + 5 * 60_000 };
    return grant.token;
  }

  private visitor(): Visitor | undefined {
    try {
      const v = JSON.parse(this.storage.get(this.key) ?? 'null') as Partial<Visitor> | null;
      return v && typeof v.id === 'string' && typeof v.secret === 'string' ? { id: v.id, secret: v.secret } : undefined;
    } catch {
      return undefined;
    }
  }
}
