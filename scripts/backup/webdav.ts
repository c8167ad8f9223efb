import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A real `rclone serve webdav` of dir on 127.0.0.1, and the rclone connection string that reaches it. */
export async function startWebdav(dir: string): Promise<{ remote: string; stop: () => Promise<void> }> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn('rclone', ['serve', 'webdav', dir, '--addr', `127.0.0.1:${port}`, '--config', '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rclone serve webdav did not start: ${log}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (/WebDav Server started/i.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rclone serve webdav exited (${code}): ${log}`));
    });
  });
  return {
    remote: `:webdav,url='http://127.0.0.1:${port}':`,
    stop: async () => {
      child.kill();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
