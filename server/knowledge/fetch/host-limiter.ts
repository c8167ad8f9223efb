// At most N requests at a time to one host (issue 13: two), across every caller in this process,
// so a 2,000-page sitemap cannot hammer a customer's site however many jobs run at once.

interface HostQueue {
  active: number;
  waiting: (() => void)[];
}

export class HostLimiter {
  private readonly hosts = new Map<string, HostQueue>();

  constructor(readonly perHost: number = 2) {}

  /** Waits for a slot on `host`; the returned function gives it back (call it exactly once). */
  async acquire(host: string, signal?: AbortSignal): Promise<() => void> {
    const key = host.toLowerCase();
    let queue = this.hosts.get(key);
    if (!queue) this.hosts.set(key, (queue = { active: 0, waiting: [] }));
    // A released slot passes straight to the next waiter (active stays counted), so a newcomer
    // arriving between the release and the waiter's wake-up cannot take it as well.
    if (queue.active >= this.perHost) await this.wait(queue, signal);
    else queue.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.waiting.shift();
      if (next) return next();
      queue.active--;
      if (queue.active === 0) this.hosts.delete(key);
    };
  }

  /** Requests running now on `host` (for tests and diagnostics). */
  active(host: string): number {
    return this.hosts.get(host.toLowerCase())?.active ?? 0;
  }

  private wait(queue: HostQueue, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = queue.waiting.indexOf(go);
        if (i >= 0) queue.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      const go = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      queue.waiting.push(go);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
