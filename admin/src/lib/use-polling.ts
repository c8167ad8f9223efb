import { useEffect } from 'preact/hooks';

/**
 * Calls reload intervalMs after each answer while `active` (something is still syncing), never
 * while a request runs (`loading`), and not while the tab is hidden: nobody reads it, and a
 * forgotten tab should not keep the server busy. Coming back reloads at once.
 */
export function usePolling(active: boolean, loading: boolean, reload: () => void, intervalMs = 2000): void {
  useEffect(() => {
    if (!active || loading) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (!document.hidden) timer = setTimeout(reload, intervalMs);
    const onVisibility = () => {
      clearTimeout(timer);
      if (!document.hidden) reload();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [active, loading, reload, intervalMs]);
}
