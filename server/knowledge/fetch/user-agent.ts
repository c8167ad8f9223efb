// How Parley introduces itself to the sites it reads: a product token robots.txt rules can name,
// the version, and where a site owner can find out who is asking.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The robots.txt product token. */
export const BOT_NAME = 'ParleyBot';

/** "ParleyBot/0.1.0 (+https://chat.example.com)"; without PUBLIC_URL just "ParleyBot/0.1.0". */
export function parleyBotUserAgent(publicUrl: string | undefined, version: string = parleyVersion()): string {
  return publicUrl ? `${BOT_NAME}/${version} (+${publicUrl})` : `${BOT_NAME}/${version}`;
}

let cachedVersion: string | undefined;

/** package.json's version, found from here whether running from server/ (tsx) or dist/server/. */
export function parleyVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return (cachedVersion = '0.0.0');
    dir = parent;
  }
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
  return (cachedVersion = version ?? '0.0.0');
}
