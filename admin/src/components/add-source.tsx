import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { intervalOf, type KnowledgeSource, type SourceKind } from '../lib/knowledge.js';
import { useAction } from '../lib/use-api.js';
import { Field, FormError } from './field.js';
import { FileSourceForm } from './file-source-form.js';

interface Props {
  /** The API path of the sources, /workspaces/:id/knowledge/sources. */
  path: string;
  onAdded(source: KnowledgeSource): void;
}

const KINDS: { kind: SourceKind; label: string }[] = [
  { kind: 'text', label: 'Pasted text or Markdown' },
  { kind: 'url', label: 'A web page' },
  { kind: 'sitemap', label: 'A sitemap (a whole site)' },
  { kind: 'file', label: 'A file' },
];

/** One form per kind of source, chosen first. */
export function AddSource({ path, onAdded }: Props) {
  const [kind, setKind] = useState<SourceKind>('text');
  return (
    <>
      <fieldset class="choices">
        <legend>Kind of source</legend>
        {KINDS.map((k) => (
          <label key={k.kind}>
            <input type="radio" name="source-kind" value={k.kind} checked={kind === k.kind} onChange={() => setKind(k.kind)} /> {k.label}
          </label>
        ))}
      </fieldset>
      {kind === 'text' && <TextForm path={path} onAdded={onAdded} />}
      {(kind === 'url' || kind === 'sitemap') && <UrlForm key={kind} kind={kind} path={path} onAdded={onAdded} />}
      {kind === 'file' && <FileSourceForm path={path} onAdded={onAdded} />}
    </>
  );
}

function TextForm({ path, onAdded }: Props) {
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const { busy, error, run } = useAction();
  return (
    <form
      class="source-text"
      onSubmit={async (e) => {
        e.preventDefault();
        const answer = await run(() => api<{ source: KnowledgeSource }>('POST', path, { kind: 'text', title: title.trim(), content }));
        if (answer) {
          setTitle('');
          setContent('');
          onAdded(answer.source);
        }
      }}
    >
      <FormError error={error} fields={['title', 'content']} />
      <Field label="Title" name="title" value={title} onValue={setTitle} error={error} required maxLength={300} hint="Shown with the answers that cite it." />
      <Field label="Text or Markdown" name="content" value={content} onValue={setContent} error={error} required multiline hint="Headings (# Billing, ## Refunds) help: each passage keeps the headings above it." />
      <button type="submit" disabled={busy}>
        {busy ? 'Adding…' : 'Add text'}
      </button>
    </form>
  );
}

function UrlForm({ kind, path, onAdded }: Props & { kind: 'url' | 'sitemap' }) {
  const [url, setUrl] = useState('');
  const [title, setTitle] = useState('');
  const [hours, setHours] = useState('');
  const { busy, error, run } = useAction();
  const sitemap = kind === 'sitemap';
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { kind, url: url.trim(), ...(title.trim() && { title: title.trim() }), syncIntervalHours: intervalOf(hours) };
        const answer = await run(() => api<{ source: KnowledgeSource }>('POST', path, body));
        if (answer) {
          setUrl('');
          setTitle('');
          setHours('');
          onAdded(answer.source);
        }
      }}
    >
      <FormError error={error} fields={['url', 'title', 'syncIntervalHours']} />
      <Field
        label={sitemap ? 'Sitemap address' : 'Page address'}
        name="url"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellcheck={false}
        value={url}
        onValue={setUrl}
        error={error}
        required
        placeholder={sitemap ? 'https://www.example.com/sitemap.xml' : 'https://www.example.com/help/refunds'}
        hint={sitemap ? 'Its pages on the same site are fetched (robots.txt is honoured).' : 'One page; its links are not followed.'}
      />
      <Field label="Title (optional)" name="title" value={title} onValue={setTitle} error={error} maxLength={300} hint={sitemap ? 'Empty: the site’s address.' : 'Empty: the page’s own title.'} />
      <Field
        label="Re-sync every (hours, optional)"
        name="syncIntervalHours"
        type="number"
        min={1}
        max={8760}
        inputMode="numeric"
        value={hours}
        onValue={setHours}
        error={error}
        hint="Empty: only when you re-sync by hand. Unchanged pages are skipped."
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Adding…' : sitemap ? 'Add sitemap' : 'Add page'}
      </button>
    </form>
  );
}
