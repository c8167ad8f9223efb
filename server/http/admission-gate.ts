/** How much database work the widget's requests may ask for at once (ADMISSION_* in server/config.ts). */
export interface AdmissionLimits {
  /** Requests in their database phase at once; a little above the pool size keeps every connection busy. */
  maxActive: number;
  /** Requests waiting for a slot; one more is refused at once. */
  maxQueue: number;
  /** The longest a request waits for a slot before it is refused. */
  maxWaitMs: number;
}

/** Why a request got no slot: the queue was full, its wait ran out, or its client left while it waited. */
export class AdmissionRefused extends Error {
  override name = 'AdmissionRefused';
  constructor(readonly reason: 'queue_full' | 'timeout' | 'gone') {
    super(`not admitted: ${reason}`);
  }
}

/** Gives back a slot; calling it again does nothing. */
export type Release = () => void;

export interface AdmissionGate {
  /**
   * Resolves with a slot once one is free, first come first served; rejects with AdmissionRefused
   * when the queue is full, after maxWaitMs, or as soon as signal aborts.
   */
  acquire(signal?: AbortSignal): Promise<Release>;
  /** Slots held now. */
  readonly active: number;
  /** Requests waiting now. */
  readonly queued: number;
}

interface Waiter {
  grant(): void;
}

/**
 * A counting semaphore with a bounded, time-limited queue. In front of the database pool it turns
 * a burst into a short wait for some and a quick refusal for the rest, instead of a pile of requests
 * that each wait out the pool's connect timeout.
 */
export function createAdmissionGate(limits: AdmissionLimits): AdmissionGate {
  let active = 0;
  // A Set keeps insertion order: the oldest waiter comes first, and one that leaves is removed in O(1).
  const waiting = new Set<Waiter>();

  const handOn = () => {
    const next = waiting.values().next();
    if (next.done) active--;
    else {
      // The slot passes straight to the oldest waiter: active stays the same.
      waiting.delete(next.value);
      next.value.grant();
    }
  };
  const slot = (): Release => {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      handOn();
    };
  };

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(new AdmissionRefused('gone'));
      if (active < limits.maxActive) {
        active++;
        return Promise.resolve(slot());
      }
      if (waiting.size >= limits.maxQueue) return Promise.reject(new AdmissionRefused('queue_full'));
      return new Promise<Release>((resolve, reject) => {
        const settle = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const leave = (reason: 'timeout' | 'gone') => {
          waiting.delete(waiter);
          settle();
          reject(new AdmissionRefused(reason));
        };
        const onAbort = () => leave('gone');
        const timer = setTimeout(() => leave('timeout'), limits.maxWaitMs);
        const waiter: Waiter = {
          grant: () => {
            settle();
            resolve(slot());
          },
        };
        waiting.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.size;
    },
  };
}
