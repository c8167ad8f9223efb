import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../lib/chat.js';
import type { Strings } from '../lib/i18n.js';
import { RichText } from './rich-text.js';

/**
 * A polite live region that reads out each reply once it is finished (the message
 * list itself is not live, or every streamed fragment would be read).
 */
export function Announcer({ messages, strings }: { messages: readonly ChatMessage[]; strings: Strings }) {
  const [said, setSaid] = useState<ChatMessage | undefined>(undefined);
  const streamingKey = useRef<string | undefined>(undefined);
  useEffect(() => {
    const last = messages[messages.length - 1];
    if (last?.role === 'assistant' && last.status === 'streaming') streamingKey.current = last.key;
    else if (last && last.key === streamingKey.current) {
      streamingKey.current = undefined;
      setSaid(last);
    }
  }, [messages]);
  return (
    <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">
      {said && (
        <div key={said.key}>
          {strings.assistant}: {said.content && <RichText source={said.content} />}
          {said.status === 'incomplete' && ` ${strings.incomplete}`}
          {said.status === 'error' && ` ${said.error ?? strings.replyFailed}`}
        </div>
      )}
    </div>
  );
}
