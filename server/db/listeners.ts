import type { NotificationListener } from './db.js';

/** A channel name as LISTEN takes it unquoted; checked, since it is spliced into SQL. */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** The listeners of each channel of one Db handle, for its driver to call (postgres.ts, pglite-client.ts). */
export interface Channels {
  /** Adds a listener; `fresh` when its channel had none, so the driver must LISTEN on it. */
  add(channel: string, listener: NotificationListener): { fresh: boolean; remove(): void };
  names(): string[];
  has(channel: string): boolean;
  notify(channel: string, payload: string): void;
  listening(channel: string): void;
  lost(channel: string): void;
}

export function createChannels(onEmpty: (channel: string) => void = () => {}): Channels {
  const byName = new Map<string, Set<NotificationListener>>();
  // A listener that throws must neither keep the others from hearing nor end the process
  // (it runs in a connection's event handler): a warning says so.
  const each = (channel: string, fn: (l: NotificationListener) => void) => {
    for (const listener of [...(byName.get(channel) ?? [])]) {
      try {
        fn(listener);
      } catch (err) {
        process.emitWarning(`a listener on ${channel} threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  };
  return {
    add(channel, listener) {
      if (!CHANNEL.test(channel)) throw new TypeError(`listen: invalid channel name ${JSON.stringify(channel)}`);
      let set = byName.get(channel);
      const fresh = !set;
      if (!set) byName.set(channel, (set = new Set()));
      set.add(listener);
      return {
        fresh,
        remove() {
          if (!set.delete(listener) || set.size > 0 || byName.get(channel) !== set) return;
          byName.delete(channel);
          onEmpty(channel);
        },
      };
    },
    names: () => [...byName.keys()],
    has: (channel) => byName.has(channel),
    notify: (channel, payload) => each(channel, (l) => l.notify(payload)),
    listening: (channel) => each(channel, (l) => l.listening()),
    lost: (channel) => each(channel, (l) => l.lost()),
  };
}
