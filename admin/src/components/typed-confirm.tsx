import { useState } from 'preact/hooks';
import type { ApiError } from '../lib/api.js';
import { Field, FormError } from './field.js';

interface Props {
  /** What must be typed, exactly. */
  phrase: string;
  /** The button's text. */
  action: string;
  explanation: string;
  busy: boolean;
  error: ApiError | undefined;
  onConfirm(): void;
}

/** A destructive action that runs only once its phrase has been typed. */
export function TypedConfirm({ phrase, action, explanation, busy, error, onConfirm }: Props) {
  const [typed, setTyped] = useState('');
  const ok = typed === phrase;
  return (
    <form
      class="danger-zone"
      onSubmit={(e) => {
        e.preventDefault();
        if (ok) onConfirm();
      }}
    >
      <p>{explanation}</p>
      <FormError error={error} fields={['confirm']} />
      <Field label={`Type “${phrase}” to confirm`} name="confirm" value={typed} onValue={setTyped} error={error} autoComplete="off" spellcheck={false} />
      <button type="submit" class="danger" disabled={!ok || busy}>
        {busy ? 'Working…' : action}
      </button>
    </form>
  );
}
