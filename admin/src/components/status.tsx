import type { ComponentChildren } from 'preact';
import type { ApiError } from '../lib/api.js';
import type { Loaded } from '../lib/use-api.js';

/** Loading, then the error (with a retry) or the content. */
export function Async<T>({ state, children, label = 'Loading…' }: { state: Loaded<T>; children: (data: T) => ComponentChildren; label?: string }) {
  if (state.error && state.data === undefined) return <LoadError error={state.error} retry={state.reload} />;
  if (state.data === undefined) return <Loading label={label} />;
  return <>{children(state.data)}</>;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}

/** Why something could not be loaded, in the API's words, and a way to try again. */
export function LoadError({ error, retry }: { error: ApiError; retry?: () => void }) {
  const missing = error.status === 404 && error.code === 'not_found';
  return (
    <div class="load-error" role="alert">
      <p>{missing ? 'This part of the server is not available yet.' : error.message}</p>
      {error.code === 'mfa_required' && (
        <p>
          <a href="/admin/account">Set up two-factor authentication</a>
        </p>
      )}
      {retry && (
        <button type="button" class="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A polite live region: text put here is read out (copied, saved, …). */
export function LiveStatus({ text }: { text: string }) {
  return (
    <p class="live-status" role="status" aria-live="polite">
      {text}
    </p>
  );
}
