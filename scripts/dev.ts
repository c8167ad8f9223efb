// `npm run dev`: the server from source, restarted on change; the widget and the admin
// panel rebuilt on change; and, without MISTRAL_API_KEY, the local stand-in for Mistral, so the demo
// page can chat with no key and no network.
import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminStale, buildAdmin, buildWidget, widgetStale } from './build.mjs';
import { startFakeMistral } from './fake-mistral.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env };

const fake = env.MISTRAL_API_KEY ? undefined : await startFakeMistral({ port: Number(env.FAKE_MISTRAL_PORT ?? 0) });
if (fake) {
  env.MISTRAL_API_KEY = 'local-fake-mistral';
  env.MISTRAL_SERVER_URL = fake.url;
  // The stand-in costs nothing: every workspace made in development may chat on it.
  env.OPERATOR_KEY_WORKSPACES ??= 'all';
  console.log(`No MISTRAL_API_KEY: replies come from the local stand-in for Mistral at ${fake.url}`);
}

if (widgetStale()) buildWidget();
if (adminStale()) buildAdmin();
const children: ChildProcess[] = [
  spawn(process.execPath, ['--import', 'tsx', '--watch-path=server', join(root, 'server/main.ts')], { cwd: root, env, stdio: 'inherit' }),
];

/**
 * Rebuilds a part (`node scripts/build.mjs widget|admin`) when a file under its folder
 * changes: in a child process (the build is synchronous), at most one at a time, once
 * more if something changed meanwhile. The widget is three builds tied by hashes, so a
 * change rebuilds all of it; the server serves each new build at once.
 */
function rebuildOnChange(part: 'widget' | 'admin'): { close(): void } {
  let running: ChildProcess | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const build = () => {
    if (running) return void (again = true);
    running = spawn(process.execPath, [join(root, 'scripts/build.mjs'), part], { cwd: root, env, stdio: 'inherit' });
    running.once('exit', () => {
      running = undefined;
      if (again) {
        again = false;
        build();
      } else console.log(`${part} rebuilt`);
    });
  };
  const watcher = watch(join(root, part), { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(build, 100);
  });
  return {
    close() {
      watcher.close();
      clearTimeout(timer);
      running?.kill('SIGTERM');
    },
  };
}
const watchers = [rebuildOnChange('widget'), rebuildOnChange('admin')];

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const watcher of watchers) watcher.close();
  for (const child of children) child.kill('SIGTERM');
  void fake?.close();
};
for (const child of children) child.once('exit', stop);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
