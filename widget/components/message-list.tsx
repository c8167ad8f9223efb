import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import type { ChatState } from '../lib/chat.js';
import type { Strings } from '../lib/i18n.js';
import { Message } from './message.js';

interface MessageListProps {
  greeting: string;
  state: ChatState;
  strings: Strings;
  onRetry: () => void;
}

/** Near the bottom (in px) counts as following the conversation: new text scrolls into view. */
const FOLLOW_MARGIN = 80;

/** The greeting and the conversation, kept scrolled to the newest text while the visitor is following it. */
export function MessageList({ greeting, state, strings, onRetry }: MessageListProps) {
  const ref = useRef<HTMLDivElement>(null);
  const greetingMessage = useMemo(() => ({ key: 'greeting', role: 'assistant' as const, content: greeting, status: 'complete' as const }), [greeting]);
  const following = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [state.messages, state.history]);
  const onScroll = () => {
    const el = ref.current!;
    following.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_MARGIN;
  };
  return (
    <div ref={ref} class="messages" tabIndex={0} aria-label={strings.conversation} onScroll={onScroll}>
      {greeting && <Message message={greetingMessage} strings={strings} plain />}
      {state.history === 'loading' && <p class="history-state">{strings.loading}</p>}
      {state.history === 'failed' && (
        <div class="history-state" role="alert">
          {state.notice ?? strings.loadFailed}
          <button type="button" onClick={onRetry}>{strings.retry}</button>
        </div>
      )}
      {state.messages.map((m) => (
        <Message key={m.key} message={m} strings={strings} />
      ))}
    </div>
  );
}
