// Preloaded into a benchmarked server (`node --expose-gc --import ./bench/server-probe.mjs …`),
// so nothing in the server itself serves the bench. It samples the event loop's delay; on
// SIGUSR2 it writes to BENCH_PROBE_FILE what it saw since the last signal, with the process's
// memory, and starts afresh. When BENCH_PROBE_FILE.gc exists (the bench creates it) it first
// deletes it and collects garbage, so heap figures show what is still referenced. Plain
// JavaScript, so it loads into the compiled server without tsx.
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  process.on('SIGUSR2', () => {
    const loop = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), count: histogram.count };
    let collected = false;
    if (existsSync(`${file}.gc`)) {
      rmSync(`${file}.gc`, { force: true });
      // Twice: the first pass may only queue finalizers that free more.
      if (typeof globalThis.gc === 'function') {
        globalThis.gc();
        globalThis.gc();
        collected = true;
      }
    }
    const memory = process.memoryUsage();
    const resources = process.getActiveResourcesInfo().length;
    histogram.reset();
    // Renamed into place: the bench never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ loop, memory, collected, resources }));
    renameSync(`${file}.tmp`, file);
  });
}
