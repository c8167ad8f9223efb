// `npm start`: builds what is missing or out of date, then runs the compiled server.
import { build, isStale } from './build.mjs';

if (isStale()) {
  console.error('Building Parley…');
  build({ onlyStale: true });
}
await import('../dist/server/main.js');
