// Preloaded into a benchmarked server (`node --import ./bench/event-loop-probe.mjs …`):
// samples the event loop's delay, and on SIGUSR2 writes what it saw since the last
// signal to BENCH_EVENT_LOOP_FILE and starts afresh. Plain JavaScript, so it loads
// into the compiled server without tsx.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_EVENT_LOOP_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  process.on('SIGUSR2', () => {
    const figures = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), count: histogram.count };
    histogram.reset();
    writeFileSync(file, JSON.stringify(figures));
  });
}
