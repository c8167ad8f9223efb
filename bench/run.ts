// `npm run bench`: measured figures, printed, never asserted.
// `npm run bench -- server` (or widget, admin, widget-load, chat, event-loop, retention, backup) runs one section.
import { benchAdminSize } from './admin-size.js';
import { benchBackup } from './backup.js';
import { benchChat } from './chat.js';
import { benchEventLoop } from './event-loop.js';
import { benchRetention } from './retention.js';
import { benchServer } from './server.js';
import { benchWidgetLoad } from './widget-load.js';
import { benchWidgetSize } from './widget-size.js';

const sections: Record<string, () => Promise<void>> = { server: benchServer, widget: benchWidgetSize, admin: benchAdminSize, 'widget-load': benchWidgetLoad, chat: benchChat, 'event-loop': benchEventLoop, retention: benchRetention, backup: benchBackup };
const chosen = process.argv.slice(2);
console.log(`Parley bench, node ${process.version}\n`);
for (const name of chosen.length ? chosen : Object.keys(sections)) {
  const run = sections[name];
  if (!run) throw new Error(`unknown bench section "${name}"; choose from ${Object.keys(sections).join(', ')}`);
  await run();
  console.log();
}
