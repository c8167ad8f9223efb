// The panel chunk: the chat UI (Preact), markdown-it and DOMPurify. The loader
// (main.ts) inserts it, integrity-pinned, when the visitor is about to open the chat.
import { render } from 'preact';
import { App } from './components/app.js';
import { appCss } from './components/app.css.js';
import { composerCss } from './components/composer.css.js';
import { messageListCss } from './components/message-list.css.js';
import { messageCss } from './components/message.css.js';
import { panelCss } from './components/panel.css.js';
import { richTextCss } from './components/rich-text.css.js';
import { createApi } from './lib/api.js';
import { Chat } from './lib/chat.js';
import { registerChunk } from './lib/chunk-hook.js';
import { stringsFor } from './lib/i18n.js';
import { visitorLanguages } from './lib/locale.js';
import type { PanelContext } from './lib/chunk-types.js';
import { Session } from './lib/session.js';
import { safeStorage } from './lib/storage.js';
import { sheet } from './lib/styles.js';
import { provideTexEngine } from './render/math-loader.js';

/** Renders the panel into the loader's shadow root; destroy() takes away everything it added. */
function mountPanel(ctx: PanelContext): { destroy(): void } {
  const { origin, workspace, shadow } = ctx;
  const api = createApi(origin, workspace);
  const session = new Session(api, safeStorage('local'), workspace);
  const strings = stringsFor(visitorLanguages());
  const chat = new Chat(api, session, strings, (m) => ctx.emit('message', m));
  const own = [appCss, panelCss, messageListCss, messageCss, richTextCss, composerCss].map(sheet);
  shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, ...own];
  let fonts: CSSStyleSheet | undefined;
  const stopMath = provideTexEngine(async () => {
    const katex = await ctx.loadKatex();
    shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet(katex.rules)];
    // Chrome ignores @font-face inside a shadow root: KaTeX's fonts are declared on the document.
    fonts = sheet(katex.fontFaces.split('url("fonts/').join(`url("${origin}/widget/fonts/`));
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, fonts];
    return katex;
  });
  render(<App config={ctx.config} ui={ctx.ui} chat={chat} strings={strings} launcher={ctx.launcher} />, ctx.root);
  return {
    destroy() {
      stopMath();
      chat.dispose();
      render(null, ctx.root);
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== fonts);
    },
  };
}

registerChunk('panel', { mountPanel });
