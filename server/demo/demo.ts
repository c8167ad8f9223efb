import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { startDemoPage, type DemoPage } from './demo-page.js';
import { ensureDemoWorkspace } from './demo-workspace.js';

/** The demo host page on its own port, and a demo workspace that allows it. */
export async function startDemo(config: Config, db: Db, parleyUrl: string, port: number): Promise<DemoPage> {
  const page = await startDemoPage(parleyUrl, config.host, port);
  try {
    await ensureDemoWorkspace(db, page.origins);
  } catch (err) {
    await page.close();
    throw err;
  }
  return page;
}
