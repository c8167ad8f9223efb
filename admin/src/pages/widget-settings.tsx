import { useEffect, useRef, useState } from 'preact/hooks';
import { Field, FormError } from '../components/field.js';
import { Async, LiveStatus } from '../components/status.js';
import { api } from '../lib/api.js';
import { atLeast } from '../lib/roles.js';
import type { Settings } from '../lib/types.js';
import { useAction, useApi } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** The models the server accepts, as GET /settings lists them. */
interface Models {
  default: string;
  allowed: string[];
}

/** The server's limits, as GET /settings lists them. */
interface Limits {
  maxReplyTokens: number;
}

const FIELDS = ['allowedOrigins', 'title', 'greeting', 'color', 'position', 'systemPrompt', 'model', 'retentionDays', 'maxReplyTokens'];

/** The widget's look, words, model and the sites allowed to embed it. */
export function WidgetSettingsPage(props: WorkspaceProps) {
  const state = useApi<{ settings: Settings; models: Models; limits: Limits }>(wsPath(props.workspace, '/settings'));
  return (
    <>
      <h1>Widget settings</h1>
      <Async state={state}>
        {({ settings, models, limits }) => <SettingsForm {...props} settings={settings} models={models} limits={limits} onSaved={(s) => state.set({ settings: s, models, limits })} />}
      </Async>
    </>
  );
}

function SettingsForm({ workspace, role, settings, models, limits, onSaved }: WorkspaceProps & { settings: Settings; models: Models; limits: Limits; onSaved(s: Settings): void }) {
  const [draft, setDraft] = useState(() => formOf(settings));
  const [saved, setSaved] = useState('');
  const { busy, error, run } = useAction();
  // Only a later change of settings (a save) resets the form: on mount the effect would run after
  // the first paint and could throw away what the admin had already typed.
  const shown = useRef(settings);
  useEffect(() => {
    if (shown.current === settings) return;
    shown.current = settings;
    setDraft(formOf(settings));
  }, [settings]);
  const canReply = atLeast(role, 'member');
  const canAll = atLeast(role, 'admin');
  const set = (key: keyof typeof draft) => (value: string) => setDraft({ ...draft, [key]: value });
  const setOrigin = (i: number, value: string) => setDraft({ ...draft, origins: draft.origins.map((o, j) => (j === i ? value : o)) });

  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved('');
        const body: Record<string, unknown> = {
          title: draft.title,
          greeting: draft.greeting,
          color: draft.color,
          position: draft.position,
          systemPrompt: draft.systemPrompt,
          model: draft.model.trim() || null,
        };
        if (canAll) {
          body.allowedOrigins = draft.origins.map((o) => o.trim()).filter(Boolean);
          if (draft.retentionDays.trim() !== '') body.retentionDays = Number(draft.retentionDays);
          body.maxReplyTokens = draft.maxReplyTokens.trim() === '' ? null : Number(draft.maxReplyTokens);
        }
        const answer = await run(() => api<{ settings: Settings }>('PATCH', wsPath(workspace, '/settings'), body));
        if (answer) {
          onSaved(answer.settings);
          setSaved('Settings saved.');
        }
      }}
    >
      {!canReply && <p class="hint">Your role (viewer) can read these settings but not change them.</p>}
      <FormError error={error} fields={[...FIELDS, ...draft.origins.map((_, i) => `allowedOrigins.${i}`)]} />
      <fieldset disabled={!canAll}>
        <legend>Allowed origins</legend>
        <p class="hint">The sites (scheme, host and port, e.g. https://www.example.com) whose pages may show the widget.{!canAll && ' Only admins can change them.'}</p>
        {draft.origins.length === 0 && <p class="empty">No origin yet: the widget shows on no site.</p>}
        <ul class="origins">
          {draft.origins.map((origin, i) => (
            <li key={i}>
              <Field label={`Origin ${i + 1}`} name={`allowedOrigins.${i}`} inputMode="url" autoComplete="off" spellcheck={false} value={origin} onValue={(v) => setOrigin(i, v)} error={error} placeholder="https://www.example.com" />
              <button type="button" class="secondary" aria-label={`Remove origin ${i + 1}`} onClick={() => setDraft({ ...draft, origins: draft.origins.filter((_, j) => j !== i) })}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        {error?.field('allowedOrigins') && <p class="field-error">{error.field('allowedOrigins')}</p>}
        <button type="button" class="secondary" onClick={() => setDraft({ ...draft, origins: [...draft.origins, ''] })}>
          Add origin
        </button>
      </fieldset>
      <fieldset disabled={!canReply}>
        <legend>Look and words</legend>
        <Field label="Title" name="title" value={draft.title} onValue={set('title')} error={error} maxLength={200} />
        <Field label="Greeting" name="greeting" value={draft.greeting} onValue={set('greeting')} error={error} multiline />
        <Field label="Colour" name="color" type="color" value={draft.color} onValue={set('color')} error={error} />
        <div class="field">
          <span class="label" id="position-label">
            Position
          </span>
          <div role="radiogroup" aria-labelledby="position-label" class="radios">
            {['bottom-right', 'bottom-left'].map((p) => (
              <label key={p}>
                <input type="radio" name="position" value={p} checked={draft.position === p} onChange={() => set('position')(p)} /> {p === 'bottom-right' ? 'Bottom right' : 'Bottom left'}
              </label>
            ))}
          </div>
          {error?.field('position') && <p class="field-error">{error.field('position')}</p>}
        </div>
        <Field label="System prompt" name="systemPrompt" value={draft.systemPrompt} onValue={set('systemPrompt')} error={error} multiline hint="Instructions the assistant follows in every conversation." />
        <div class="field">
          <label for="settings-model">Model</label>
          <select id="settings-model" value={draft.model} onChange={(e) => set('model')(e.currentTarget.value)} aria-describedby={error?.field('model') ? 'settings-model-error' : undefined}>
            <option value="">The server's default ({models.default})</option>
            {[...new Set([...models.allowed, ...(draft.model ? [draft.model] : [])])].map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          {error?.field('model') && (
            <p class="field-error" id="settings-model-error">
              {error.field('model')}
            </p>
          )}
        </div>
      </fieldset>
      <fieldset disabled={!canAll}>
        <legend>Retention</legend>
        <Field
          label="Keep conversations for (days)"
          name="retentionDays"
          type="number"
          min={1}
          inputMode="numeric"
          value={draft.retentionDays}
          onValue={set('retentionDays')}
          error={error}
          max={3650}
          hint="Older conversations are deleted automatically."
        />
      </fieldset>
      <fieldset disabled={!canAll}>
        <legend>Reply length</legend>
        <Field
          label="Longest reply (tokens)"
          name="maxReplyTokens"
          type="number"
          min={1}
          max={limits.maxReplyTokens}
          inputMode="numeric"
          value={draft.maxReplyTokens}
          onValue={set('maxReplyTokens')}
          error={error}
          hint={`A reply stops at this length (a token is about four characters). Empty: this server's limit, ${limits.maxReplyTokens}.`}
        />
      </fieldset>
      {canReply && (
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
      )}
      <LiveStatus text={saved} />
    </form>
  );
}

function formOf(s: Settings) {
  return {
    origins: [...s.allowedOrigins],
    title: s.title ?? '',
    greeting: s.greeting ?? '',
    color: s.color || '#2563eb',
    position: s.position || 'bottom-right',
    systemPrompt: s.systemPrompt ?? '',
    model: s.model ?? '',
    retentionDays: s.retentionDays == null ? '' : String(s.retentionDays),
    maxReplyTokens: s.maxReplyTokens == null ? '' : String(s.maxReplyTokens),
  };
}
