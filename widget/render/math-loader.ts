import type { KatexChunk } from '../lib/chunk-types.js';
import { setTexRenderer } from './math.js';

let load: (() => Promise<KatexChunk>) | undefined;
let ready: Promise<void> | undefined;

/**
 * Tells the renderer how to get KaTeX (the panel asks the loader for its chunk).
 * Until it is needed nothing is fetched; returns a function that forgets it.
 */
export function provideTexEngine(fn: () => Promise<KatexChunk>): () => void {
  load = fn;
  ready = undefined;
  return () => {
    if (load === fn) load = undefined;
  };
}

/**
 * Fetches KaTeX once; resolves once formulas render. A failure sticks (math stays TeX)
 * rather than asking again on every streamed fragment of a reply.
 */
export function whenTexReady(): Promise<void> {
  if (!load) return Promise.reject(new Error('no KaTeX source'));
  const from = load;
  ready ??= from().then(
    (katex) => setTexRenderer(katex.renderToString),
    (err: unknown) => {
      console.warn(`Parley: math is shown as TeX; KaTeX could not be loaded (${(err as Error).message})`);
      throw err;
    },
  );
  return ready;
}
