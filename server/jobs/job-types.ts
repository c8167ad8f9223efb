/**
 * What a job carries and returns: ids and small facts, never tenant content or secrets.
 * Job rows (schema pgboss) are readable by every instance's runtime role, are not in
 * backups, and stay for up to two weeks after a job ends (docs/operations.md).
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One kind of job: its payload type and its defaults. Made with defineJob. */
export interface JobDefinition<P extends JsonObject> {
  /** Retries after the first try before the job lands `failed`; default 5. */
  retryLimit?: number;
  /**
   * Seconds before the first retry, doubled for each one after with up to as much again
   * at random (pg-boss retryBackoff); default 30, so five retries span about 15–30 minutes.
   */
  retryDelaySeconds?: number;
  /**
   * Seconds a run may take, default 900 (at most 23 hours). Past it the handler's signal
   * aborts and the job is retried (pg-boss's maintenance fails it by timeout).
   */
  expireInSeconds?: number;
  /**
   * The dedupe key of a payload (a source id, say). While a job with this key waits for
   * its first start, sending another returns null; and at most one with the key runs at
   * a time across all instances (one fetched meanwhile is put back for a few seconds,
   * without using a retry). A running job holds one pooled connection for its key lock.
   */
  singletonKey?: (data: P) => string;
  /** Carries P for the type checker only; never set. */
  readonly payload?: P;
}

/** A job kind whose payload is P: `defineJob<{ sourceId: string }>({ singletonKey: (d) => d.sourceId })`. */
export function defineJob<P extends JsonObject>(definition: Omit<JobDefinition<P>, 'payload'> = {}): JobDefinition<P> {
  return definition;
}

// `any` because a definition is invariant in its payload (singletonKey takes it, payload gives it).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobDefinitions = Record<string, JobDefinition<any>>;

export type JobName<D extends JobDefinitions> = keyof D & string;
export type JobData<D extends JobDefinitions, N extends keyof D> = D[N] extends JobDefinition<infer P> ? P : never;

export interface SendOptions {
  /** Not before this many seconds from now. */
  startAfterSeconds?: number;
  /** Higher runs first among waiting jobs of the same name; default 0. */
  priority?: number;
}

export interface WorkOptions {
  /** Jobs of this name this instance runs at once; default 1. */
  concurrency?: number;
  /** How often an idle worker asks for a job, default 2000 ms, at least 500 (pg-boss's floor). A send from this instance wakes it at once. */
  pollIntervalMs?: number;
}

/** What a handler gets besides the payload. */
export interface JobContext {
  id: string;
  /** 0 on the first try. */
  retryCount: number;
  /**
   * Aborts when the instance shuts down (the job goes back to the queue without using a
   * retry) or the run expires. Stop at the next safe point by throwing.
   */
  signal: AbortSignal;
  /**
   * Replaces the job's progress, shown as `output.progress` while it runs (getJob), for
   * operators and pollers. What users must see for good (a source's status, why a page
   * failed) belongs in the feature's own table, written in withTenant. Fails only when the
   * database does.
   */
  progress(value: JsonObject): Promise<void>;
}

/** Resolves with the job's output (kept as the job's `output`), or throws to fail this try. */
export type JobHandler<P> = (data: P, job: JobContext) => Promise<Json | void>;

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

/** A job as operators and callers see it. */
export interface JobStatus {
  id: string;
  name: string;
  state: JobState;
  data: JsonObject;
  retryCount: number;
  retryLimit: number;
  createdOn: Date;
  startAfter: Date;
  startedOn: Date | null;
  completedOn: Date | null;
  /** While active: `{ progress }`; completed: the handler's result; failed or retrying: `{ name, message }` of the error. */
  output: Json | null;
}
