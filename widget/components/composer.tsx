import { useRef, useState } from 'preact/hooks';
import type { Strings } from '../lib/i18n.js';
import { SendIcon, StopIcon } from './icons.js';

interface ComposerProps {
  strings: Strings;
  streaming: boolean;
  notice: string | undefined;
  onSend: (text: string) => Promise<boolean>;
  onStop: () => void;
}

const MAX_LENGTH = 4000;
const MAX_HEIGHT = 140;
const fieldSizing = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');

/** The message box: Enter sends, Shift+Enter starts a new line; while a reply streams, the button stops it. */
export function Composer({ strings, streaming, notice, onSend, onStop }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);

  const resize = () => {
    const el = input.current;
    if (!el || fieldSizing) return;
    // CSSOM, not a style attribute: allowed under a host's strict CSP.
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT)}px`;
  };

  const submit = async () => {
    const text = draft;
    if (!text.trim() || streaming) return;
    setDraft('');
    requestAnimationFrame(resize);
    if (!(await onSend(text))) {
      setDraft((current) => current || text);
      requestAnimationFrame(resize);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {notice && (
        <p class="notice" role="alert">
          {notice}
        </p>
      )}
      <div class="field">
        <textarea
          ref={input}
          class="input"
          rows={1}
          maxLength={MAX_LENGTH}
          value={draft}
          placeholder={strings.placeholder}
          aria-label={strings.messageLabel}
          enterkeyhint="send"
          onInput={(e) => {
            setDraft(e.currentTarget.value);
            resize();
          }}
          onKeyDown={onKeyDown}
        />
        {streaming ? (
          <button type="button" class="send" aria-label={strings.stop} title={strings.stop} onClick={onStop}>
            <StopIcon />
          </button>
        ) : (
          <button type="submit" class="send" aria-label={strings.send} title={strings.send} disabled={!draft.trim()}>
            <SendIcon />
          </button>
        )}
      </div>
    </form>
  );
}
