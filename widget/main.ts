// The widget's loader: <script src="https://PARLEY/widget.js" data-workspace="PUBLIC_ID" async>.
// It draws the launcher; the panel and KaTeX come as integrity-pinned chunks when needed.
import { CHUNK_HOOK } from './lib/chunk-hook.js';
import { findEmbed } from './lib/embed.js';
import { supportsConstructedSheets } from './lib/styles.js';
import { mount, type ParleyApi } from './mount.js';

declare global {
  interface Window {
    Parley?: ParleyApi;
  }
}

function start(): void {
  // A second copy of the tag (or of this file) finds the first one running and does nothing.
  if (window.Parley) return;
  const embed = findEmbed(document);
  if (!embed) {
    console.error('Parley: no <script src=".../widget.js" data-workspace="..."> tag found; the chat is not shown');
    return;
  }
  if (!supportsConstructedSheets()) {
    console.warn('Parley: this browser lacks constructable stylesheets; the chat is not shown');
    return;
  }
  const widget = mount(embed);
  const api: ParleyApi = {
    open: () => widget.open(),
    close: () => widget.close(),
    on: (event: Parameters<ParleyApi['on']>[0], fn: Parameters<ParleyApi['on']>[1]) => widget.on(event, fn),
    destroy: () => {
      widget.destroy();
      if (window.Parley === api) delete window.Parley;
    },
  };
  // Not enumerable, not writable: the chunks' way in, and no second global.
  Object.defineProperty(api, CHUNK_HOOK, { value: widget.chunkHook });
  window.Parley = Object.freeze(api);
}

start();
