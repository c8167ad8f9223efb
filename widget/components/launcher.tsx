import type { Ref } from 'preact';
import type { Strings } from '../lib/i18n.js';
import { ChatIcon, ChevronDownIcon } from './icons.js';

interface LauncherProps {
  open: boolean;
  position: 'left' | 'right';
  strings: Strings;
  buttonRef: Ref<HTMLButtonElement>;
  onToggle: () => void;
}

/** The round button in the corner that opens and closes the chat. */
export function Launcher({ open, position, strings, buttonRef, onToggle }: LauncherProps) {
  return (
    <button
      ref={buttonRef}
      type="button"
      class="launcher"
      data-position={position}
      aria-label={open ? strings.closeChat : strings.openChat}
      aria-expanded={open}
      aria-controls="parley-panel"
      aria-haspopup="dialog"
      onClick={onToggle}
    >
      {open ? <ChevronDownIcon /> : <ChatIcon />}
    </button>
  );
}
