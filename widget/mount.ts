import { hostCss } from './components/host.css.js';
import { createLauncher } from './components/launcher.js';
import { launcherCss } from './components/launcher.css.js';
import { ApiError, fetchConfig, type WidgetConfig } from './lib/api.js';
import type { ChunkName } from './lib/chunk-hook.js';
import { chunkLoader } from './lib/chunk-loader.js';
import type { PanelChunk } from './lib/chunk-types.js';
import { Emitter, type ParleyEventName } from './lib/emitter.js';
import type { Embed } from './lib/embed.js';
import { keepAttached } from './lib/keep-attached.js';
import { LAUNCHER_STRINGS, pickLocale, visitorLanguages } from './lib/locale.js';
import { safeStorage } from './lib/storage.js';
import { createStore, type UiState } from './lib/store.js';
import { sheet } from './lib/styles.js';
import { normalizeTheme, themeCss } from './lib/theme.js';

/** What `window.Parley` offers the host page. */
export interface ParleyApi {
  open(): void;
  close(): void;
  destroy(): void;
  on(event: ParleyEventName, fn: (detail?: unknown) => void): () => void;
}

const HOST_TAG = 'parley-widget';

/**
 * Mounts the loader's part of the widget for one embed: a host element at the end
 * of <body> with one shadow root, the launcher once the workspace's settings have
 * arrived, and the panel chunk when the visitor is about to need it (hovering or
 * focusing the launcher, opening the chat, or a panel left open in this tab).
 * `chunkHook` is what the chunks call as they run (see lib/chunk-hook.ts).
 */
export function mount(embed: Embed): ParleyApi & { chunkHook: (name: ChunkName, exports: unknown) => void } {
  const { origin, workspace } = embed;
  const locale = pickLocale(visitorLanguages());
  const events = new Emitter();
  const chunks = chunkLoader(origin);
  const openKey = `parley:${workspace}:open`;
  const tabStorage = safeStorage('session');
  const ui = createStore<UiState>({ open: tabStorage.get(openKey) === '1', moveFocus: false });

  let destroyed = false;
  let config: WidgetConfig | undefined;
  let launcher: ReturnType<typeof createLauncher> | undefined;
  let panel: { destroy(): void } | undefined;
  let panelLoading: Promise<void> | undefined;
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: 'open' });
  const theme = sheet('');
  shadow.adoptedStyleSheets = [sheet(hostCss), sheet(launcherCss), theme];
  const wrapper = document.createElement('div');
  wrapper.className = 'parley';
  wrapper.lang = locale;
  const root = document.createElement('div');
  root.className = 'panel-root';
  let detach = () => {};
  whenBody(() => {
    if (destroyed) return;
    document.body.appendChild(host);
    detach = keepAttached(host);
  });

  /** Fetches and mounts the panel once; a failure leaves the launcher, closed, to try again. */
  const loadPanel = (): Promise<void> =>
    (panelLoading ??= chunks.load('panel').then(
      (chunk: PanelChunk) => {
        if (destroyed || !config || !launcher) return;
        panel = chunk.mountPanel({
          origin,
          workspace,
          shadow,
          root,
          config,
          ui,
          launcher: launcher.button,
          emit: (event, detail) => events.emit(event, detail),
          loadKatex: () => chunks.load('katex'),
        });
      },
      (err: unknown) => {
        panelLoading = undefined;
        console.warn(`Parley: the chat panel could not be loaded from ${origin} (${(err as Error).message})`);
        if (ui.get().open) ui.set({ open: false, moveFocus: false });
      },
    ));

  let wasOpen = ui.get().open;
  const unsubscribe = ui.subscribe(() => {
    const { open } = ui.get();
    if (open && config) void loadPanel();
    if (open === wasOpen) return;
    wasOpen = open;
    launcher?.show(open);
    tabStorage.set(openKey, open ? '1' : '0');
    events.emit(open ? 'open' : 'close');
  });

  fetchConfig(origin, workspace).then(
      (answer) => {
        if (destroyed) return;
        config = { ...answer, theme: normalizeTheme(answer.theme) };
        theme.replaceSync(themeCss(config.theme));
        wrapper.setAttribute('data-mode', config.theme.mode);
        launcher = createLauncher(config.theme.position, LAUNCHER_STRINGS[locale], () => ui.set({ open: !ui.get().open, moveFocus: true }));
        launcher.show(ui.get().open);
        // Likely to be opened: fetch the panel now, so the click finds it ready.
        for (const type of ['pointerenter', 'focus']) launcher.button.addEventListener(type, () => void loadPanel(), { once: true });
        wrapper.append(root, launcher.button);
        shadow.appendChild(wrapper);
        if (ui.get().open) void loadPanel();
      },
      (err: unknown) => {
        // A refused origin looks like a network error here: the refusal is not readable cross-origin.
        const why =
          err instanceof ApiError && err.status === 0
            ? `no readable answer: is the server up, and is ${location.origin} among the workspace's allowed origins?`
            : err instanceof ApiError
              ? `${err.code}: ${err.message}`
              : String(err);
        console.warn(`Parley: the chat is not shown; loading workspace "${workspace}" from ${origin} failed (${why})`);
      },
    );

  return {
    chunkHook: chunks.hook,
    open: () => ui.set({ open: true, moveFocus: true }),
    close: () => ui.set({ open: false, moveFocus: shadow.activeElement !== null }),
    on: (event, fn) => events.on(event, fn),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      unsubscribe();
      panel?.destroy();
      events.clear();
      detach();
      host.remove();
    },
  };
}

function whenBody(fn: () => void): void {
  if (document.body) fn();
  else document.addEventListener('DOMContentLoaded', fn, { once: true });
}
