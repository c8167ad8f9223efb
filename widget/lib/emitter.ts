export type ParleyEventName = 'open' | 'close' | 'message';

/** The host page's listeners for `Parley.on(...)`; one that throws cannot break the widget. */
export class Emitter {
  private readonly handlers = new Map<ParleyEventName, Set<(detail?: unknown) => void>>();

  on(event: ParleyEventName, fn: (detail?: unknown) => void): () => void {
    if (!['open', 'close', 'message'].includes(event)) throw new TypeError(`Parley.on: unknown event "${String(event)}" (open, close, message)`);
    if (typeof fn !== 'function') throw new TypeError('Parley.on: the listener must be a function');
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  emit(event: ParleyEventName, detail?: unknown): void {
    for (const fn of this.handlers.get(event) ?? []) {
      try {
        fn(detail);
      } catch (err) {
        console.error('Parley: an event listener threw', err);
      }
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}
