import type { Ref } from 'preact';
import type { WidgetConfig } from '../lib/api.js';
import type { Chat, ChatState } from '../lib/chat.js';
import type { Strings } from '../lib/i18n.js';
import { Composer } from './composer.js';
import { CloseIcon, NewChatIcon } from './icons.js';
import { MessageList } from './message-list.js';

interface PanelProps {
  config: WidgetConfig;
  chat: Chat;
  state: ChatState;
  strings: Strings;
  panelRef: Ref<HTMLDivElement>;
  onClose: () => void;
}

/** The chat window: header, conversation, and the composer (or why there is none). */
export function Panel({ config, chat, state, strings, panelRef, onClose }: PanelProps) {
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && !e.isComposing) {
      e.stopPropagation();
      onClose();
    }
  };
  return (
    <div
      ref={panelRef}
      id="parley-panel"
      class="panel"
      role="dialog"
      aria-labelledby="parley-title"
      data-position={config.theme.position}
      onKeyDown={onKeyDown}
    >
      <div class="header">
        <h2 id="parley-title" class="title">{config.title}</h2>
        {state.messages.length > 0 && (
          <button type="button" class="icon-button" aria-label={strings.newConversation} title={strings.newConversation} onClick={() => chat.startNew()}>
            <NewChatIcon />
          </button>
        )}
        <button type="button" class="icon-button" aria-label={strings.closeChat} title={strings.closeChat} onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <MessageList greeting={config.greeting} state={state} strings={strings} onRetry={() => void chat.load()} />
      {config.available ? (
        <Composer
          strings={strings}
          streaming={state.streaming}
          notice={state.history === 'failed' ? undefined : state.notice}
          onSend={(text) => chat.send(text)}
          onStop={() => chat.stop()}
        />
      ) : (
        <p class="unavailable">{strings.unavailable}</p>
      )}
    </div>
  );
}
