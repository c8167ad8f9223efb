import { useCallback, useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { WidgetConfig } from '../lib/api.js';
import type { Chat } from '../lib/chat.js';
import type { Strings } from '../lib/i18n.js';
import type { Store, UiState } from '../lib/store.js';
import { Announcer } from './announcer.js';
import { Panel } from './panel.js';
import { useSubscribed } from './use-store.js';

interface AppProps {
  config: WidgetConfig;
  ui: Store<UiState>;
  chat: Chat;
  strings: Strings;
  /** The loader's launcher button, where focus returns when the panel closes. */
  launcher: HTMLButtonElement;
}

/** The panel chunk's part of the widget: the panel and the screen-reader announcements (the loader draws the launcher). */
export function App({ config, ui, chat, strings, launcher }: AppProps) {
  const { open, moveFocus } = useSubscribed(ui.subscribe, ui.get);
  const state = useSubscribed(chat.subscribe, chat.get);
  const panel = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);

  useEffect(() => {
    if (open) void chat.load();
  }, [open, chat]);

  // Focus goes into the panel when the visitor opens it, and back to the launcher when it closes,
  // in the same task as the change (a layout effect), so no keystroke lands in between.
  useLayoutEffect(() => {
    if (open !== wasOpen.current && moveFocus) {
      const target = open ? (panel.current?.querySelector('textarea') ?? panel.current?.querySelector('button')) : launcher;
      target?.focus();
    }
    wasOpen.current = open;
  }, [open, moveFocus]);

  const close = useCallback(() => ui.set({ open: false, moveFocus: true }), [ui]);

  return (
    <>
      {open && <Panel config={config} chat={chat} state={state} strings={strings} panelRef={panel} onClose={close} />}
      <Announcer messages={state.messages} strings={strings} />
    </>
  );
}
