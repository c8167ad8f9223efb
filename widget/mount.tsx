import { render } from 'preact';
import { App } from './components/app.js';
import { appCss } from './components/app.css.js';
import { composerCss } from './components/composer.css.js';
import { launcherCss } from './components/launcher.css.js';
import { messageListCss } from './components/message-list.css.js';
import { messageCss } from './components/message.css.js';
import { panelCss } from './components/panel.css.js';
import { richTextCss } from './components/rich-text.css.js';
import { ApiError, createApi } from './lib/api.js';
import { Chat } from './lib/chat.js';
import { Emitter, type ParleyEventName } from './lib/emitter.js';
import type { Embed } from './lib/embed.js';
import { pickLocale, stringsFor } from './lib/i18n.js';
import { keepAttached } from './lib/keep-attached.js';
import { Session } from './lib/session.js';
import { safeStorage } from './lib/storage.js';
import { createStore, type UiState } from './lib/store.js';
import { sheet } from './lib/styles.js';
import { normalizeTheme, themeCss } from './lib/theme.js';
import { katexFontFaces, katexRules } from './render/katex-css.js';

/** What `window.Parley` offers the host page. */
export interface ParleyApi {
  open(): void;
  close(): void;
  destroy(): void;
  on(event: ParleyEventName, fn: (detail?: unknown) => void): () => void;
}

const HOST_TAG = 'parley-widget';

/**
 * Mounts the widget for one embed: a host element at the end of <body> with one
 * shadow root, styles as constructed sheets, and the chat once the workspace's
 * settings have arrived.
 */
export function mount(embed: Embed): ParleyApi {
  const { origin, workspace } = embed;
  const api = createApi(origin, workspace);
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language ?? 'en'];
  const locale = pickLocale(languages);
  const strings = stringsFor(languages);
  const events = new Emitter();
  const session = new Session(api, safeStorage('local'), workspace);
  const chat = new Chat(api, session, strings, (m) => events.emit('message', m));
  const openKey = `parley:${workspace}:open`;
  const tabStorage = safeStorage('session');
  const ui = createStore<UiState>({ open: tabStorage.get(openKey) === '1', moveFocus: false });

  let destroyed = false;
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: 'open' });
  const theme = sheet('');
  shadow.adoptedStyleSheets = [appCss, launcherCss, panelCss, messageListCss, messageCss, richTextCss, composerCss, katexRules]
    .map(sheet)
    .concat(theme);
  // Chrome ignores @font-face inside a shadow root: KaTeX's fonts are declared on the document.
  const fonts = sheet(katexFontFaces(origin));
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, fonts];
  let detach = () => {};
  whenBody(() => {
    if (destroyed) return;
    document.body.appendChild(host);
    detach = keepAttached(host);
  });

  let wasOpen = ui.get().open;
  const unsubscribe = ui.subscribe(() => {
    const { open } = ui.get();
    if (open === wasOpen) return;
    wasOpen = open;
    tabStorage.set(openKey, open ? '1' : '0');
    events.emit(open ? 'open' : 'close');
  });

  api.config().then(
    (config) => {
      if (destroyed) return;
      const normalized = { ...config, theme: normalizeTheme(config.theme) };
      theme.replaceSync(themeCss(normalized.theme));
      render(<App config={normalized} ui={ui} chat={chat} strings={strings} locale={locale} />, shadow);
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
    open: () => ui.set({ open: true, moveFocus: true }),
    close: () => ui.set({ open: false, moveFocus: shadow.activeElement !== null }),
    on: (event, fn) => events.on(event, fn),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      unsubscribe();
      chat.dispose();
      events.clear();
      detach();
      render(null, shadow);
      host.remove();
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== fonts);
    },
  };
}

function whenBody(fn: () => void): void {
  if (document.body) fn();
  else document.addEventListener('DOMContentLoaded', fn, { once: true });
}
