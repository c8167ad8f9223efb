import type { Browser } from 'playwright-core';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import type { DatabaseKind } from './databases.js';
import { launchBrowser } from './browser.js';
import { startHostSite, type HostSite } from './host-page.js';
import { startTestServer, type TestServer } from './test-server.js';
import { seedWidgetWorkspace } from './widget.js';

/** Everything a browser test of the widget needs, as on a customer's site. */
export interface WidgetStack {
  server: TestServer;
  fake: FakeMistral;
  site: HostSite;
  browser: Browser;
  /** The Parley origin as the host page names it: http://localhost:<port>, another origin than the site's 127.0.0.1. */
  parley: string;
  /** A workspace allowing the site's origin (unless told otherwise), with its own model key unless `model: false`. */
  workspace(options?: { origins?: string[]; theme?: unknown; model?: boolean }): Promise<{ id: string; publicId: string }>;
  close(): Promise<void>;
}

/**
 * The real server (on a fresh database of the given kind) talking to the fake Mistral,
 * a host site and Chromium; serving the widget built in dist/widget/, or in widgetDir,
 * and the versions published in releaseDir (RELEASE_DIR).
 */
export async function startWidgetStack(kind: DatabaseKind, { releaseDir, ...options }: { widgetDir?: string; releaseDir?: string } = {}): Promise<WidgetStack> {
  const fake = await startFakeMistral();
  const started: { close(): Promise<void> }[] = [fake];
  try {
    // No operator key: a workspace has a model only with its own key, so both cases can be tested.
    const server = await startTestServer(kind, { MISTRAL_SERVER_URL: fake.url, LOG_LEVEL: 'warn', ...(releaseDir && { RELEASE_DIR: releaseDir }) }, options);
    started.push({ close: () => server.stop() });
    const site = await startHostSite();
    started.push(site);
    const browser = await launchBrowser();
    started.push(browser);
    return {
      server,
      fake,
      site,
      browser,
      parley: `http://localhost:${new URL(server.url).port}`,
      workspace: ({ model = true, origins = [site.origin], theme } = {}) =>
        seedWidgetWorkspace(server.db, {
          origins,
          theme,
          ...(model && { byok: { keyring: server.config.masterKeys, key: 'test-workspace-key' } }),
        }),
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

/** Closes what was started, newest first, ignoring failures (a test already failed). */
export async function closeAll(items: { close(): Promise<void> }[]): Promise<void> {
  for (const item of items.reverse()) await item.close().catch(() => undefined);
}
