/** Human-readable bytes: 1.2 MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A progress line on stderr: rewritten in place every second on a terminal, one line
 * every ten seconds otherwise (cron mail, journald), so logs stay short.
 */
export function startProgress(label: string, render: () => string, stream: NodeJS.WriteStream = process.stderr): { stop: () => void } {
  const tty = stream.isTTY === true;
  const started = performance.now();
  const line = () => `${label}: ${render()}, ${((performance.now() - started) / 1000).toFixed(0)} s`;
  const timer = setInterval(() => stream.write(tty ? `\r\x1b[K${line()}` : `${line()}\n`), tty ? 1_000 : 10_000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      stream.write(tty ? `\r\x1b[K${line()}\n` : `${line()}\n`);
    },
  };
}
