/** Work that must finish before the database closes, such as storing an interrupted reply. */
export interface InFlight {
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves when everything tracked so far has settled. */
  drain(): Promise<void>;
}

export function createInFlight(): InFlight {
  const pending = new Set<Promise<unknown>>();
  return {
    track(work) {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
      return work;
    },
    async drain() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
