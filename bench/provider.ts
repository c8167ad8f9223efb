// The local Mistral (scripts/fake-mistral.ts) in a process of its own, so its writes do not
// share an event loop with the bench client that times them: "direct" and "through Parley"
// then pay the same provider cost. Driven over the child's IPC channel.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startFakeMistral, type FakeReply } from '../scripts/fake-mistral.js';

/** What every reply looks like from now on. */
export type ProviderMode = { kind: 'stream'; chunks: number; delayMs: number };

type Request = { op: 'mode'; mode: ProviderMode } | { op: 'open' };
type Command = Request & { id: number };

export interface Provider {
  url: string;
  pid: number;
  setMode(mode: ProviderMode): Promise<void>;
  /** Chat completion requests still open: neither ended nor closed by the client. */
  openRequests(): Promise<number>;
  close(): Promise<void>;
}

export async function startProvider(mode: ProviderMode): Promise<Provider> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => { throw new Error('the provider process exited'); })])) as [{ url: string }];
  let next = 0;
  const ask = <T>(command: Request): Promise<T> => {
    const id = ++next;
    return new Promise<T>((resolve) => {
      const onMessage = (message: { id: number; value: T }) => {
        if (message.id !== id) return;
        child.off('message', onMessage);
        resolve(message.value);
      };
      child.on('message', onMessage);
      child.send({ ...command, id });
    });
  };
  await ask({ op: 'mode', mode });
  return {
    url: ready.url,
    pid: child.pid!,
    setMode: (m) => ask({ op: 'mode', mode: m }),
    openRequests: () => ask({ op: 'open' }),
    close: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

function reply(mode: ProviderMode): FakeReply {
  return { chunks: Array.from({ length: mode.chunks }, (_, i) => `token${i} `), delayMs: mode.delayMs };
}

async function child(): Promise<void> {
  const fake = await startFakeMistral();
  process.on('message', (command: Command) => {
    if (command.op === 'mode') {
      const r = reply(command.mode);
      fake.setScript(() => r);
      process.send!({ id: command.id });
    } else process.send!({ id: command.id, value: fake.openRequests() });
  });
  // The fake keeps every request for tests to inspect; a bench would hold them all.
  setInterval(() => void (fake.requests.length = 0), 5_000).unref();
  process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
  process.send!({ url: fake.url });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) await child();
