// What the widget costs a host page in headless Chromium: main-thread time (CDP
// Performance.getMetrics ScriptDuration and TaskDuration) of a page whose visitor never
// opens the chat, against the same page without the widget, for the rolling and the
// pinned embed; and the time from a click on the launcher to a panel that accepts typing.
// Every load is in a fresh browser context (cold cache), as a first visit.
// BENCH_SINGLE_BUNDLE_DIR names a dist/widget built before the loader split (one
// bundle, e.g. from commit 837109b) to measure against it as well.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { publishWidget } from '../scripts/publish-widget.js';
import { defaultWidgetDir } from '../server/widget-assets/widget-bundle.js';
import { embedHtml } from '../test/support/host-page.js';
import { startWidgetStack, type WidgetStack } from '../test/support/widget-stack.js';
import { formatSummary, summarize } from './stats.js';

const LOADS = 15;
const OPENS = 10;
const VERSION = '0.0.0-bench';

/** Loads url in a fresh context, waits for ready (and 500 ms of quiet), returns main-thread ms. */
async function mainThreadCost(stack: WidgetStack, url: string, ready: (page: Page) => Promise<unknown>): Promise<{ script: number; task: number }> {
  const context = await stack.browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    await ready(page);
    await page.waitForTimeout(500);
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => (metrics.find((m) => m.name === name)?.value ?? Number.NaN) * 1000;
    return { script: metric('ScriptDuration'), task: metric('TaskDuration') };
  } finally {
    await context.close();
  }
}

/** Click on the launcher to a visible, enabled composer, in a fresh context. */
async function clickToPanel(stack: WidgetStack, url: string): Promise<number> {
  const context = await stack.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    const launcher = page.locator('parley-widget .launcher');
    await launcher.waitFor();
    const box = (await launcher.boundingBox())!;
    const started = Date.now();
    // A bare click at the launcher's centre (the mouse moves there first, as a visitor's would).
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('parley-widget textarea:enabled').waitFor({ state: 'visible' });
    return Date.now() - started;
  } finally {
    await context.close();
  }
}

async function sample<T>(count: number, fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(await fn());
  return out;
}

export async function benchWidgetLoad(): Promise<void> {
  console.log('## Widget cost in headless Chromium\n');
  const releaseDir = mkdtempSync(join(tmpdir(), 'parley-bench-release-'));
  const { entry } = publishWidget({ buildDir: defaultWidgetDir(), releaseDir, version: VERSION });
  const stack = await startWidgetStack('pglite', { releaseDir });
  try {
    const { publicId } = await stack.workspace();
    const pages = {
      'no widget': stack.site.set('/bare', { html: embedHtml(stack.parley, publicId).replace(/<script[^>]*><\/script>/g, '') }),
      'rolling /widget.js': stack.site.set('/rolling', { html: embedHtml(stack.parley, publicId) }),
      [`pinned /widget/v${VERSION}.js`]: stack.site.set('/pinned', { html: embedHtml(stack.parley, publicId, { pinned: { version: VERSION, integrity: entry.integrity } }) }),
    };
    console.log(`Page never opened (${LOADS} cold loads each; main-thread ms, median):`);
    let baseline: { script: number; task: number } | undefined;
    for (const [label, url] of Object.entries(pages)) {
      const ready = label === 'no widget' ? (p: Page) => p.waitForLoadState('load') : (p: Page) => p.locator('parley-widget .launcher').waitFor();
      const runs = await sample(LOADS, () => mainThreadCost(stack, url, ready));
      const median = { script: summarize(runs.map((r) => r.script)).p50, task: summarize(runs.map((r) => r.task)).p50 };
      baseline ??= median;
      const extra = label === 'no widget' ? '' : `  (widget: +${(median.script - baseline.script).toFixed(1)} script, +${(median.task - baseline.task).toFixed(1)} task)`;
      console.log(`  ${label.padEnd(30)} ScriptDuration ${median.script.toFixed(1).padStart(6)}  TaskDuration ${median.task.toFixed(1).padStart(6)}${extra}`);
    }
    console.log(`\nClick on the launcher to an interactive panel (${OPENS} cold opens each; panel chunk fetched on that click):`);
    for (const [label, url] of Object.entries(pages).slice(1)) {
      console.log(`  ${formatSummary(label, summarize(await sample(OPENS, () => clickToPanel(stack, url))))}`);
    }
    if (process.env.BENCH_SINGLE_BUNDLE_DIR) await benchSingleBundle(process.env.BENCH_SINGLE_BUNDLE_DIR, baseline!);
    console.log('\nLocal loopback server, no network latency: on a real connection add the panel chunk download (see the size figures).');
  } finally {
    await stack.close();
    rmSync(releaseDir, { recursive: true, force: true });
  }
}

/** The same figures for the single bundle the widget was before the loader split. */
async function benchSingleBundle(widgetDir: string, baseline: { script: number; task: number }): Promise<void> {
  const stack = await startWidgetStack('pglite', { widgetDir });
  try {
    const { publicId } = await stack.workspace();
    const url = stack.site.set('/single', { html: embedHtml(stack.parley, publicId) });
    const runs = await sample(LOADS, () => mainThreadCost(stack, url, (p) => p.locator('parley-widget .launcher').waitFor()));
    const median = { script: summarize(runs.map((r) => r.script)).p50, task: summarize(runs.map((r) => r.task)).p50 };
    console.log(`\nSingle bundle from ${widgetDir}:`);
    console.log(`  ${'never opened'.padEnd(30)} ScriptDuration ${median.script.toFixed(1).padStart(6)}  TaskDuration ${median.task.toFixed(1).padStart(6)}  (widget: +${(median.script - baseline.script).toFixed(1)} script, +${(median.task - baseline.task).toFixed(1)} task)`);
    console.log(`  ${formatSummary('click to panel', summarize(await sample(OPENS, () => clickToPanel(stack, url))))}`);
  } finally {
    await stack.close();
  }
}
