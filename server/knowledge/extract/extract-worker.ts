// The worker thread behind extractInWorker: documents in, one at a time, their extraction (or
// the reason it failed) out.
import { parentPort } from 'node:worker_threads';
import { extractDocument } from './extract.js';
import { ExtractError, type ExtractInput, type ExtractedDocument } from './extract-types.js';

export interface WorkerRequest {
  id: number;
  input: Omit<ExtractInput, 'signal'>;
}

export type WorkerReply = { id: number } & (
  | { ok: true; value: ExtractedDocument }
  | { ok: false; extract: { reason: ExtractError['reason']; message: string; retryable: boolean } }
  | { ok: false; error: { name: string; message: string } }
);

parentPort!.on('message', ({ id, input }: WorkerRequest) => {
  void extractDocument(input).then(
    (value) => parentPort!.postMessage({ id, ok: true, value } satisfies WorkerReply),
    (err: unknown) => {
      const reply: WorkerReply =
        err instanceof ExtractError
          ? { id, ok: false, extract: { reason: err.reason, message: err.message, retryable: err.retryable } }
          : { id, ok: false, error: { name: (err as Error)?.name ?? 'Error', message: (err as Error)?.message ?? String(err) } };
      parentPort!.postMessage(reply);
    },
  );
});
