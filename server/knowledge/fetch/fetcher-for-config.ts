// The process's fetcher as configured: ParleyBot's User-Agent naming PUBLIC_URL, and the
// operator's allow-list. Create it once and share it (the per-host limit and robots cache are in it).
import type { Config } from '../../config.js';
import { createFetcher, type Fetcher } from './safe-fetch.js';
import { parleyBotUserAgent } from './user-agent.js';

export function fetcherForConfig(config: Pick<Config, 'publicUrl' | 'knowledgeFetch'>): Fetcher {
  return createFetcher({ userAgent: parleyBotUserAgent(config.publicUrl), allowNetworks: config.knowledgeFetch.allowNetworks });
}
