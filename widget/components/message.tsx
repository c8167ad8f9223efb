import { memo } from './memo.js';
import type { ChatMessage } from '../lib/chat.js';
import type { Strings } from '../lib/i18n.js';
import { RichText } from './rich-text.js';
import { Sources } from './sources.js';

interface MessageProps {
  message: ChatMessage;
  strings: Strings;
  /** Show the content as typed text, not markdown (the visitor's own words, the greeting). */
  plain?: boolean;
}

/**
 * One message. Memoized on the message object, which the chat replaces only
 * while it changes: during a streamed reply only that reply re-renders.
 */
export const Message = memo(function Message({ message, strings, plain }: MessageProps) {
  const { role, content, status, sources } = message;
  const asText = plain || role === 'user';
  return (
    <div class={`message ${role}`}>
      <span class="sr-only">{role === 'user' ? strings.you : strings.assistant}: </span>
      {(content || status !== 'error') && (
        <div class={asText ? 'bubble plain' : 'bubble'}>
          {status === 'streaming' && !content ? (
            <span class="typing" role="img" aria-label={strings.thinking}>
              <span />
              <span />
              <span />
            </span>
          ) : asText ? (
            content
          ) : (
            <RichText source={content} />
          )}
        </div>
      )}
      {sources && sources.length > 0 && status !== 'streaming' && <Sources sources={sources} strings={strings} />}
      {status === 'incomplete' && <p class="status">{message.error ?? strings.incomplete}</p>}
      {status === 'error' && <p class="status error">{message.error ?? strings.replyFailed}</p>}
    </div>
  );
});
