import { useState } from 'preact/hooks';
import { API, ApiError } from '../lib/api.js';
import { LiveStatus } from './status.js';

const MARK = '"visitorId"';

/**
 * Downloads a streamed export, counting conversations as they arrive against the
 * X-Parley-Export-Total header, then hands the file to the browser.
 */
export function ExportDownload({ path, fileName, label }: { path: string; fileName: string; label: string }) {
  const [progress, setProgress] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const run = async () => {
    setBusy(true);
    setError(undefined);
    setProgress('Starting the export…');
    try {
      const res = await fetch(API + path, { credentials: 'same-origin' });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
        throw new ApiError(res.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `The server answered ${res.status}.`);
      }
      const total = Number(res.headers.get('x-parley-export-total') ?? NaN);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const parts: Uint8Array[] = [];
      let seen = 0;
      let tail = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        // Count the marker across chunk boundaries: keep the end of the previous chunk.
        const text = tail + decoder.decode(value, { stream: true });
        seen += text.split(MARK).length - 1;
        tail = text.slice(-(MARK.length - 1));
        setProgress(Number.isFinite(total) ? `${Math.min(seen, total)} of ${total} conversations received…` : `${seen} conversations received…`);
      }
      const url = URL.createObjectURL(new Blob(parts as BlobPart[], { type: res.headers.get('content-type') ?? 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setProgress(`Export ready: ${seen} conversations.`);
    } catch (err) {
      setProgress('');
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <button type="button" class="secondary" disabled={busy} onClick={run}>
        {busy ? 'Exporting…' : label}
      </button>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <LiveStatus text={progress} />
    </div>
  );
}
