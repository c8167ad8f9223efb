// `npm test [-- filter…]`: every test/**/*.test.ts (or those whose path contains a filter)
// through node's test runner, with tsx for TypeScript. Builds the widget first when it is
// out of date, and the admin panel likewise: the browser tests and the asset routes serve dist/widget/ and dist/admin/.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { adminStale, buildAdmin, buildWidget, widgetStale } from './build.mjs';

const filters = process.argv.slice(2);
const files = readdirSync('test', { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
if (widgetStale()) {
  console.error('Building the widget…');
  buildWidget();
}
if (adminStale()) {
  console.error('Building the admin panel…');
  buildAdmin();
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files];
const { status } = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(status ?? 1);
