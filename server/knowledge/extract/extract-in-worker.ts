// extractDocument on a worker thread: parsing a large PDF or page takes seconds of CPU that
// would otherwise stall every request of this process, and a document that needs more memory
// than allowed ends that thread, not the server. One thread per process, kept between documents
// (starting one loads pdf.js, mammoth and the DOM code: about a second), one document at a time.
import { Worker } from 'node:worker_threads';
import { ExtractError, type ExtractInput, type ExtractedDocument } from './extract-types.js';
import type { WorkerReply, WorkerRequest } from './extract-worker.js';

/** Longest one extraction may run (OCR call included) before its thread is stopped. */
export const EXTRACT_TIMEOUT_MS = 10 * 60_000;
/** The thread's heap; a document needing more is refused as too_large. */
export const EXTRACT_MAX_HEAP_MB = 1024;

// Compiled into dist/, the worker is the .js beside this file; from source (tsx) it is the
// .ts, loaded through a one-line entry that registers tsx first (as server/db/pglite-client.ts does).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './extract-worker.ts' : './extract-worker.js', import.meta.url);
const TSX_ENTRY = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

export interface WorkerLimits {
  timeoutMs?: number;
  /** The heap of the thread that runs it (a thread with another limit is replaced). */
  maxHeapMb?: number;
}

interface Task {
  id: number;
  input: ExtractInput;
  limits: WorkerLimits;
  resolve(value: ExtractedDocument): void;
  reject(err: Error): void;
}

const queue: Task[] = [];
let thread: { worker: Worker; heapMb: number } | undefined;
let running: { task: Task; worker: Worker; settle(outcome: () => void, stopThread: boolean): void } | undefined;
let nextId = 1;

/** Same contract as extractDocument (an ExtractError on failure), plus `timeout`, and too_large for memory. */
export function extractInWorker(input: ExtractInput, limits: WorkerLimits = {}): Promise<ExtractedDocument> {
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, input, limits, resolve, reject });
    next();
  });
}

/** Ends the thread (at shutdown; tests). Work in progress fails; queued work starts a new thread. */
export async function stopExtractWorker(): Promise<void> {
  const worker = thread?.worker;
  const current = running;
  current?.settle(() => current.task.reject(new ExtractError('aborted', 'Extraction was stopped before it finished.')), true);
  await worker?.terminate();
}

function next(): void {
  if (running) return;
  const task = queue.shift();
  if (!task) return;
  const { signal, ...input } = task.input;
  if (signal?.aborted) {
    task.reject(new ExtractError('aborted', 'Extraction was stopped before it finished.'));
    return next();
  }
  const heapMb = task.limits.maxHeapMb ?? EXTRACT_MAX_HEAP_MB;
  if (thread && thread.heapMb !== heapMb) void stop(thread.worker);
  const worker = (thread ??= { worker: start(heapMb), heapMb }).worker;
  const timeoutMs = task.limits.timeoutMs ?? EXTRACT_TIMEOUT_MS;

  const timer = setTimeout(() => settle(() => task.reject(new ExtractError('timeout', `Reading this document took longer than ${Math.round(timeoutMs / 1000)} seconds; split it into smaller documents.`)), true), timeoutMs);
  const onAbort = () => settle(() => task.reject(new ExtractError('aborted', 'Extraction was stopped before it finished.')), true);
  signal?.addEventListener('abort', onAbort, { once: true });
  function settle(outcome: () => void, stopThread: boolean) {
    if (running?.task !== task) return;
    running = undefined;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // The only way to stop work in progress is to end its thread.
    if (stopThread) void stop(worker);
    else worker.unref();
    outcome();
    next();
  }
  running = { task, worker, settle };
  worker.ref();
  worker.postMessage({ id: task.id, input } satisfies WorkerRequest);
}

function start(heapMb: number): Worker {
  const options = { resourceLimits: { maxOldGenerationSizeMb: heapMb } };
  const worker = FROM_SOURCE ? new Worker(TSX_ENTRY, { ...options, eval: true }) : new Worker(WORKER_URL, options);
  worker.unref();
  worker.on('message', (reply: WorkerReply) => {
    if (running?.worker !== worker || running.task.id !== reply.id) return;
    const { task } = running;
    running.settle(() => {
      if (reply.ok) task.resolve(reply.value);
      else if ('extract' in reply) task.reject(new ExtractError(reply.extract.reason, reply.extract.message, reply.extract.retryable));
      else task.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    }, false);
  });
  let crash: (Error & { code?: string }) | undefined;
  // Heard, so an uncaught error in the thread does not end this process; 'exit' follows.
  worker.on('error', (err) => (crash = err));
  worker.on('exit', (code) => {
    if (thread?.worker === worker) thread = undefined;
    // A thread ended on purpose (timeout, abort) has had its task settled already.
    if (running?.worker !== worker) return;
    const { task } = running;
    running.settle(() => {
      if (crash?.code === 'ERR_WORKER_OUT_OF_MEMORY') task.reject(new ExtractError('too_large', 'Reading this document needs more memory than Parley allows; split it into smaller documents.'));
      else task.reject(new Error(`the extraction thread ended (exit code ${code}${crash ? `: ${crash.message}` : ''}) without an answer`));
    }, false);
  });
  return worker;
}

function stop(worker: Worker): Promise<number> {
  if (thread?.worker === worker) thread = undefined;
  return worker.terminate();
}
