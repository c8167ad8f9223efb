import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import type { KnowledgeSettings, KnowledgeSettingsAnswer } from '../lib/knowledge.js';
import { useAction } from '../lib/use-api.js';
import { Field, FormError } from './field.js';
import { LiveStatus } from './status.js';

interface Props {
  /** /workspaces/:id/knowledge/settings */
  path: string;
  answer: KnowledgeSettingsAnswer;
  canEdit: boolean;
  onSaved(answer: KnowledgeSettingsAnswer): void;
}

const FIELDS = ['strictness', 'unknownAnswer', 'allowOcr'];

/** How strictly replies keep to the sources, and whether scanned documents may go to Mistral OCR. */
export function KnowledgeSettingsForm({ path, answer, canEdit, onSaved }: Props) {
  const [draft, setDraft] = useState<KnowledgeSettings>(answer.settings);
  const [saved, setSaved] = useState('');
  const { busy, error, run } = useAction();
  useEffect(() => setDraft(answer.settings), [answer.settings]);
  const strict = draft.strictness === 'sources_only';
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved('');
        const body = { strictness: draft.strictness, allowOcr: draft.allowOcr, ...(strict && { unknownAnswer: draft.unknownAnswer.trim() }) };
        const next = await run(() => api<KnowledgeSettingsAnswer>('PATCH', path, body));
        if (next) {
          onSaved(next);
          setSaved('Knowledge settings saved.');
        }
      }}
    >
      {!canEdit && <p class="hint">Only admins can change these settings.</p>}
      <FormError error={error} fields={FIELDS} />
      <fieldset class="choices" disabled={!canEdit}>
        <legend>Answers</legend>
        <label>
          <input type="radio" name="strictness" value="sources_and_general" checked={!strict} onChange={() => setDraft({ ...draft, strictness: 'sources_and_general' })} /> From the sources first, and from
          general knowledge when they do not cover the question
        </label>
        <label>
          <input type="radio" name="strictness" value="sources_only" checked={strict} onChange={() => setDraft({ ...draft, strictness: 'sources_only' })} /> Only from the sources
        </label>
        {error?.field('strictness') && <p class="field-error">{error.field('strictness')}</p>}
        <Field
          label="When the sources do not have the answer, say"
          name="unknownAnswer"
          value={draft.unknownAnswer}
          onValue={(unknownAnswer) => setDraft({ ...draft, unknownAnswer })}
          error={error}
          multiline
          required={strict}
          disabled={!strict || !canEdit}
          hint="Used when replies come only from the sources."
        />
      </fieldset>
      <fieldset disabled={!canEdit}>
        <legend>Scanned documents</legend>
        <div class="field checkbox">
          <input id="knowledge-allow-ocr" type="checkbox" checked={draft.allowOcr} aria-describedby="knowledge-ocr-hint" onChange={(e) => setDraft({ ...draft, allowOcr: e.currentTarget.checked })} />
          <label for="knowledge-allow-ocr">Send scanned documents to Mistral OCR</label>
        </div>
        <p class="hint" id="knowledge-ocr-hint">
          A PDF without a text layer, or an image, can only be read by text recognition. With this on, Parley sends such a file, whole, to Mistral (the model mistral-ocr-latest, on the
          workspace’s Mistral key or the server’s) and keeps only the text that comes back. Files with a text layer and web pages are read on this server; as with every source, the passages
          themselves go to Mistral to be embedded for search.
        </p>
        {error?.field('allowOcr') && <p class="field-error">{error.field('allowOcr')}</p>}
      </fieldset>
      {canEdit && (
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save knowledge settings'}
        </button>
      )}
      <LiveStatus text={saved} />
    </form>
  );
}
