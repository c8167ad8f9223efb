// Types for build-widget.mjs, plain JavaScript like build.mjs.
export const CHUNKS: string[];
export function chunkIdentity(name: string, bytes: Buffer): { file: string; integrity: string };
export function buildWidgetInto(outDir: string, options?: { logLevel?: 'info' | 'warn' | 'error' | 'silent' }): Promise<Record<string, { file: string; integrity: string }>>;
