/** A value components can watch: the widget's open state and settings live outside Preact, for `window.Parley`. */
export interface Store<T> {
  get(): T;
  set(patch: Partial<T>): void;
  subscribe(fn: () => void): () => void;
}

export function createStore<T extends object>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(patch) {
      value = { ...value, ...patch };
      for (const fn of listeners) fn();
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** Whether the panel is open, and whether focus follows the change (it does when the visitor made it). */
export interface UiState {
  open: boolean;
  moveFocus: boolean;
}
