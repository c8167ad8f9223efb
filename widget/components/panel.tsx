import type { Ref } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { WidgetConfig } from '../lib/api.js';
import type { Chat, ChatState } from '../lib/chat.js';
import type { Strings } from '../lib/i18n.js';
import { Composer } from './composer.js';
import { CloseIcon, NewChatIcon, TrashIcon } from './icons.js';
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
  const hasMessages = state.messages.length > 0;
  // "Delete this chat" asks first, inline: confirming, then deleting while the server is asked.
  const [deleteStep, setDeleteStep] = useState<'idle' | 'confirming' | 'deleting'>('idle');
  const deleteButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const confirming = deleteStep !== 'idle' && hasMessages;

  // In the same task as the render (a layout effect), so no keystroke lands on the button behind it.
  useLayoutEffect(() => {
    if (deleteStep === 'confirming') cancelButton.current?.focus();
  }, [deleteStep]);

  const cancelDelete = () => {
    setDeleteStep('idle');
    deleteButton.current?.focus();
  };
  const confirmDelete = async () => {
    setDeleteStep('deleting');
    const deleted = await chat.deleteConversation();
    setDeleteStep('idle');
    // Deleted: the header's buttons are gone, so the visitor goes on in the composer.
    const panel = (panelRef as { current: HTMLDivElement | null }).current;
    if (deleted) (panel?.querySelector('textarea') ?? panel?.querySelector('button'))?.focus();
    else deleteButton.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && !e.isComposing) {
      e.stopPropagation();
      if (deleteStep === 'confirming') cancelDelete();
      else onClose();
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
        {hasMessages && (
          <button
            ref={deleteButton}
            type="button"
            class="icon-button"
            aria-label={strings.deleteChat}
            title={strings.deleteChat}
            aria-expanded={confirming}
            aria-controls={confirming ? 'parley-delete-confirm' : undefined}
            onClick={() => (confirming ? cancelDelete() : setDeleteStep('confirming'))}
          >
            <TrashIcon />
          </button>
        )}
        {hasMessages && (
          <button type="button" class="icon-button" aria-label={strings.newConversation} title={strings.newConversation} onClick={() => chat.startNew()}>
            <NewChatIcon />
          </button>
        )}
        <button type="button" class="icon-button" aria-label={strings.closeChat} title={strings.closeChat} onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      {confirming && (
        <div id="parley-delete-confirm" class="confirm" role="group" aria-labelledby="parley-delete-question">
          <p id="parley-delete-question" class="confirm-question">{strings.deleteQuestion}</p>
          <div class="confirm-actions">
            <button ref={cancelButton} type="button" class="confirm-cancel" disabled={deleteStep === 'deleting'} onClick={cancelDelete}>
              {strings.cancel}
            </button>
            <button type="button" class="confirm-delete" disabled={deleteStep === 'deleting'} onClick={() => void confirmDelete()}>
              <TrashIcon />
              {strings.confirmDelete}
            </button>
          </div>
        </div>
      )}
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
