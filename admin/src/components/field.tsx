import type { InputHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';
import type { ApiError } from '../lib/api.js';

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'label' | 'onInput' | 'value' | 'name'> {
  label: string;
  /** The API's details[].path for this field. */
  name: string;
  value: string;
  onValue(value: string): void;
  error?: ApiError | undefined;
  hint?: string;
  multiline?: boolean;
}

/** A labelled input with its hint and the API's message for it beside it. */
export function Field({ label, name, value, onValue, error, hint, multiline, ...rest }: FieldProps) {
  const id = useId();
  const message = error?.field(name);
  const described = [hint && `${id}-hint`, message && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const common = { id, name, value, 'aria-invalid': message ? true : undefined, 'aria-describedby': described };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {multiline ? (
        <textarea {...common} rows={5} onInput={(e) => onValue(e.currentTarget.value)} disabled={rest.disabled} required={rest.required} />
      ) : (
        <input {...rest} {...common} onInput={(e) => onValue(e.currentTarget.value)} />
      )}
      {message && (
        <p class="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}

/** The error of a form that is not about one of its fields (or a network failure). */
export function FormError({ error, fields = [] }: { error: ApiError | undefined; fields?: string[] }) {
  if (!error) return null;
  const paths = error.paths().filter((p) => fields.includes(p));
  const onField = paths.length > 0 && paths.length === error.paths().length;
  return (
    <p class="form-error" role="alert">
      {onField ? 'Please correct the fields marked below.' : error.message}
    </p>
  );
}
