import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
  /** Replace the data without a request (after a change the server answered with). */
  set(data: T): void;
}

/** GETs a path whenever it changes; loading and error states for every screen. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: path !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ data: s.data, loading: true }));
    api<T>('GET', path).then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: toApiError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const set = useCallback((data: T) => setState({ data, loading: false }), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, set };
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'client_error', error instanceof Error ? error.message : String(error));
}

/** Runs a change (POST/PUT/PATCH/DELETE): busy while it runs, the error if it failed. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const run = useCallback(async <R>(work: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await work();
    } catch (err) {
      setError(toApiError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export interface Paged<T> {
  /** Undefined until the first page arrives (or after the query changed). */
  items: T[] | undefined;
  loading: boolean;
  error: ApiError | undefined;
  hasMore: boolean;
  /** Appends the next page. */
  more(): void;
  /** Starts again from the first page. */
  reload(): void;
}

/**
 * A keyset-paged list (`?cursor=`, `nextCursor`): the first page whenever the path or the
 * query changes, further pages on demand. An answer to an older query is dropped, so a
 * quick second search never shows the first one's results.
 */
export function usePaged<T>(path: string, key: string, query: Record<string, string | undefined>): Paged<T> {
  const search = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => Boolean(e[1]))).toString();
  const [state, setState] = useState<{ items?: T[]; next: string | null; loading: boolean; error?: ApiError }>({ next: null, loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const load = useCallback(
    async (cursor: string | null) => {
      const mine = cursor ? generation.current : ++generation.current;
      setState((s) => ({ items: cursor ? s.items : undefined, next: s.next, loading: true }));
      const params = new URLSearchParams(search);
      if (cursor) params.set('cursor', cursor);
      try {
        const page = await api<Record<string, unknown>>('GET', `${path}?${params}`);
        if (mine !== generation.current) return;
        const items = page[key] as T[];
        setState((s) => ({ items: cursor && s.items ? [...s.items, ...items] : items, next: (page.nextCursor as string | null) ?? null, loading: false }));
      } catch (err) {
        if (mine === generation.current) setState((s) => ({ ...s, loading: false, error: toApiError(err) }));
      }
    },
    [path, key, search],
  );
  useEffect(() => void load(null), [load, tick]);
  return {
    items: state.items,
    loading: state.loading,
    error: state.error,
    hasMore: state.next !== null,
    more: () => void load(state.next),
    reload: () => setTick((t) => t + 1),
  };
}
