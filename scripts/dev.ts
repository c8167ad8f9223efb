// `npm run dev`: the server from source, restarted on change; the widget rebuilt on
// change; and, without MISTRAL_API_KEY, the local stand-in for Mistral, so the demo
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
  console.log(`No MISTRAL_API_KEY: replies come from the local stand-in for Mistral at ${fake.url}`);
}

if (widgetStale()) buildWidget();
// The admin panel is built once here, not watched: restart `npm run dev` after changing admin/.
if (adminStale()) buildAdmin();
const children: ChildProcess[] = [
  spawn(process.execPath, ['--import', 'tsx', '--watch-path=server', join(root, 'server/main.ts')], { cwd: root, env, stdio: 'inherit' }),
];

// The widget is three builds (loader, chunks) tied by hashes, so a change rebuilds all of it,
// in a child process (the build is synchronous) and at most one at a time.
let rebuild: ChildProcess | undefined;
let again = false;
let timer: NodeJS.Timeout | undefined;
const buildWidgetNow = () => {
  if (rebuild) return void (again = true);
  rebuild = spawn(process.execPath, [join(root, 'scripts/build.mjs'), 'widget'], { cwd: root, env, stdio: 'inherit' });
  rebuild.once('exit', () => {
    rebuild = undefined;
    if (again) {
      again = false;
      buildWidgetNow();
    } else console.log('widget rebuilt');
  });
};
const widgetWatcher = watch(join(root, 'widget'), { recursive: true }, () => {
  clearTimeout(timer);
  timer = setTimeout(buildWidgetNow, 100);
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  widgetWatcher.close();
  clearTimeout(timer);
  rebuild?.kill('SIGTERM');
  for (const child of children) child.kill('SIGTERM');
  void fake?.close();
};
for (const child of children) child.once('exit', stop);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
