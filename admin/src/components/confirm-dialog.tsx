import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import type { ApiError } from '../lib/api.js';
import { FormError } from './field.js';

interface Props {
  open: boolean;
  title: string;
  /** The button that does it. */
  action: string;
  busy: boolean;
  error: ApiError | undefined;
  onConfirm(): void;
  /** Cancel, Escape, or done: the caller closes it by setting open to false. */
  onClose(): void;
  children: ComponentChildren;
}

/**
 * A modal question before a destructive action: the browser's own <dialog> (focus kept inside,
 * Escape cancels), opening on Cancel so Enter does not delete; focus returns to the opener.
 */
export function ConfirmDialog({ open, title, action, busy, error, onConfirm, onClose, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current!;
    if (open && !dialog.open) {
      opener.current = document.activeElement as HTMLElement | null;
      dialog.showModal();
      cancel.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      if (opener.current?.isConnected) opener.current.focus();
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby={`${id}-title`}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
      <FormError error={error} />
      <div class="actions">
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          {busy ? 'Working…' : action}
        </button>
        <button ref={cancel} type="button" class="secondary" disabled={busy} onClick={onClose}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
