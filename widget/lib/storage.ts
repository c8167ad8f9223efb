/**
 * localStorage/sessionStorage that never throws: storage can be disabled, full,
 * or blocked by the browser's privacy settings. Without it the widget still
 * works; it just forgets the visitor on reload.
 */
export function safeStorage(kind: 'local' | 'session') {
  const memory = new Map<string, string>();
  const store = (): Storage | undefined => {
    try {
      return kind === 'local' ? window.localStorage : window.sessionStorage;
    } catch {
      return undefined;
    }
  };
  return {
    get(key: string): string | null {
      try {
        return store()?.getItem(key) ?? memory.get(key) ?? null;
      } catch {
        return memory.get(key) ?? null;
      }
    },
    set(key: string, value: string): void {
      memory.set(key, value);
      try {
        store()?.setItem(key, value);
      } catch {
        // Kept in memory only.
      }
    },
    remove(key: string): void {
      memory.delete(key);
      try {
        store()?.removeItem(key);
      } catch {
        // Nothing stored to remove.
      }
    },
  };
}

export type SafeStorage = ReturnType<typeof safeStorage>;
