// The server's event-loop delay while 50 replies stream at once on the embedded
// database (issue 12: PGlite must not stall the loop; p99 under 50 ms is the goal),
// beside the first and last token. The server runs compiled, as in production, with
// bench/server-probe.mjs preloaded to sample perf_hooks.monitorEventLoopDelay.
import { REPLY, describeServerEnv, warmUp } from './chat.js';
import { measureLevel, type LevelResult } from './load.js';
import type { BenchOptions } from './options.js';
import { withParley } from './parley-server.js';
import { startProvider } from './provider.js';
import { record } from './results.js';
import { formatSummary, median, medianSummary } from './stats.js';
import { parleyTarget } from './targets.js';

const STREAMS = 50;

export async function benchEventLoop(options: BenchOptions): Promise<void> {
  const rounds = options.runs;
  console.log(`## Event-loop delay on PGlite, ${STREAMS} streams at once (${REPLY.chunks} chunks ${REPLY.delayMs} ms apart), ${rounds} round(s); sampled every 10 ms, so an idle loop reads about 10\n`);
  console.log(describeServerEnv(options) + '\n');
  const provider = await startProvider(REPLY);
  try {
    const figures = await withParley('pglite', provider, options.serverEnv, async (server) => {
      const target = parleyTarget(server);
      await target.prepare(STREAMS);
      await warmUp([target], [STREAMS]);
      const results: LevelResult[] = [];
      const delays = [];
      for (let round = 1; round <= rounds; round++) {
        await server.probe();
        results.push(await measureLevel(target, STREAMS, options.samples));
        const { loop } = await server.probe();
        delays.push(loop);
        console.log(`round ${round}: event-loop delay p50 ${loop.p50.toFixed(1)}  p99 ${loop.p99.toFixed(1)}  max ${loop.max.toFixed(1)} ms  (load average ${results.at(-1)!.load.toFixed(2)})`);
      }
      return { results, delays };
    });
    console.log(formatSummary(`via Parley x${STREAMS} first token`, medianSummary(figures.results.map((r) => r.first))));
    console.log(formatSummary(`via Parley x${STREAMS} last token`, medianSummary(figures.results.map((r) => r.last))));
    const p99 = median(figures.delays.map((d) => d.p99));
    console.log(`event-loop delay p99, median of ${rounds} round(s): ${p99.toFixed(1)} ms (goal < 50 ms: ${p99 < 50 ? 'met' : 'MISSED'})`);
    record('eventLoop', { streams: STREAMS, ...figures, p99 });
  } finally {
    await provider.close();
  }
}
