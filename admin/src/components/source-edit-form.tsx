import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { intervalOf, type KnowledgeSource } from '../lib/knowledge.js';
import { useAction } from '../lib/use-api.js';
import { Field, FormError } from './field.js';

interface Props {
  /** /workspaces/:id/knowledge/sources/:sourceId */
  path: string;
  source: KnowledgeSource;
  onSaved(source: KnowledgeSource): void;
}

/** The title, and for web sources how often they are re-synced. */
export function SourceEditForm({ path, source, onSaved }: Props) {
  const web = source.kind === 'url' || source.kind === 'sitemap';
  const [title, setTitle] = useState(source.title);
  const [hours, setHours] = useState(source.syncIntervalHours === null ? '' : String(source.syncIntervalHours));
  const { busy, error, run } = useAction();
  // Polling brings the source again and again: take its values only when they changed there.
  useEffect(() => setTitle(source.title), [source.title]);
  useEffect(() => setHours(source.syncIntervalHours === null ? '' : String(source.syncIntervalHours)), [source.syncIntervalHours]);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { title: title.trim(), ...(web && { syncIntervalHours: intervalOf(hours) }) };
        const answer = await run(() => api<{ source: KnowledgeSource }>('PATCH', path, body));
        if (answer) onSaved(answer.source);
      }}
    >
      <h2>Change</h2>
      <FormError error={error} fields={['title', 'syncIntervalHours']} />
      <Field label="Title" name="title" value={title} onValue={setTitle} error={error} required maxLength={300} />
      {web && (
        <Field
          label="Re-sync every (hours)"
          name="syncIntervalHours"
          type="number"
          min={1}
          max={8760}
          inputMode="numeric"
          value={hours}
          onValue={setHours}
          error={error}
          hint="Empty: only when you re-sync by hand."
        />
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}
