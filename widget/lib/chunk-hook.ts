import type { KatexChunk, PanelChunk } from './chunk-types.js';

/**
 * Where a chunk finds its loader: a function on a symbol-keyed, non-enumerable
 * property of the frozen `window.Parley`, so chunks add no global of their own.
 */
export const CHUNK_HOOK: unique symbol = Symbol.for('parley.chunk') as never;

/** What each chunk hands the loader when it runs. */
export interface ChunkExports {
  panel: PanelChunk;
  katex: KatexChunk;
}

export type ChunkName = keyof ChunkExports;

/** Called by a chunk's entry as it runs: hands its exports to the loader that inserted it. */
export function registerChunk<N extends ChunkName>(name: N, exports: ChunkExports[N]): void {
  const parley = (window as unknown as { Parley?: { [CHUNK_HOOK]?: (name: N, exports: ChunkExports[N]) => void } }).Parley;
  const hook = parley?.[CHUNK_HOOK];
  // No loader (it was destroyed meanwhile, or the file was loaded by hand): nothing to do.
  if (typeof hook === 'function') hook(name, exports);
}
