// `npm run bench`: measured figures, printed and written to bench/results/, never asserted.
// `npm run bench -- chat soak --quick` runs some sections; bench/options.ts lists the flags.
// Each section is imported only when it runs: the sections that drive a server over HTTP
// then load none of its code, and run while server code is half-edited.
import { parseBenchOptions, type BenchOptions } from './options.js';
import { writeResults } from './results.js';

type Section = (options: BenchOptions) => Promise<void>;
const sections: Record<string, () => Promise<Section>> = {
  server: async () => (await import('./server.js')).benchServer,
  widget: async () => (await import('./widget-size.js')).benchWidgetSize,
  admin: async () => (await import('./admin-size.js')).benchAdminSize,
  'widget-load': async () => (await import('./widget-load.js')).benchWidgetLoad,
  chat: async () => (await import('./chat.js')).benchChat,
  'open-streams': async () => (await import('./open-streams.js')).benchOpenStreams,
  soak: async () => (await import('./soak.js')).benchSoak,
  'event-loop': async () => (await import('./event-loop.js')).benchEventLoop,
  retention: async () => (await import('./retention.js')).benchRetention,
  backup: async () => (await import('./backup.js')).benchBackup,
};
const options = parseBenchOptions(process.argv.slice(2));
for (const name of options.sections) {
  if (!sections[name]) throw new Error(`unknown bench section "${name}"; choose from ${Object.keys(sections).join(', ')}`);
}
console.log(`Parley bench, node ${process.version}${options.quick ? ' (--quick: development figures only)' : ''}\n`);
const started = performance.now();
try {
  for (const name of options.sections.length ? options.sections : Object.keys(sections)) {
    await (await sections[name]!())(options);
    console.log();
  }
} finally {
  const file = writeResults(options);
  if (file) console.log(`Figures written to ${file}`);
  console.log(`Bench took ${((performance.now() - started) / 60_000).toFixed(1)} min`);
}
