import type { ChunkExports, ChunkName } from './chunk-hook.js';

/** The chunks this loader may run, each with its SHA-384: written in at build time (scripts/build-widget.mjs). */
declare const __PARLEY_CHUNKS__: Record<ChunkName, { file: string; integrity: string }>;

interface Pending {
  script: HTMLScriptElement;
  resolve(exports: unknown): void;
}

/**
 * Loads chunks as classic scripts from the Parley origin, each pinned by its
 * `integrity`: a byte changed on the server and the browser refuses to run it.
 * `hook` is what a chunk calls as it runs; it accepts only the script element
 * this loader inserted for that name, so nothing else can pose as a chunk.
 */
export function chunkLoader(origin: string) {
  const pending = new Map<ChunkName, Pending>();
  const loaded = new Map<ChunkName, Promise<unknown>>();

  function hook(name: ChunkName, exports: unknown): void {
    const p = pending.get(name);
    if (!p || document.currentScript !== p.script) return;
    pending.delete(name);
    p.resolve(exports);
  }

  function load<N extends ChunkName>(name: N): Promise<ChunkExports[N]> {
    let promise = loaded.get(name);
    if (!promise) {
      const { file, integrity } = __PARLEY_CHUNKS__[name];
      promise = new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = `${origin}/widget/chunks/${file}`;
        script.integrity = integrity;
        script.crossOrigin = 'anonymous';
        script.async = true;
        pending.set(name, { script, resolve });
        script.onload = () => {
          script.remove();
          // Ran, but did not register: not a chunk of this loader.
          if (pending.get(name)?.script === script) fail(`${file} did not register`);
        };
        script.onerror = () => {
          script.remove();
          fail(`${file} could not be loaded or failed its integrity check`);
        };
        const fail = (why: string) => {
          pending.delete(name);
          loaded.delete(name);
          reject(new Error(why));
        };
        (document.head ?? document.documentElement).appendChild(script);
      });
      loaded.set(name, promise);
    }
    return promise as Promise<ChunkExports[N]>;
  }

  return { hook, load };
}
