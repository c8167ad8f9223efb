import { useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { FILE_ACCEPT, fileProblem, megabytes, type KnowledgeSource } from '../lib/knowledge.js';
import { upload } from '../lib/upload.js';
import { useAction } from '../lib/use-api.js';
import { Field, FormError } from './field.js';

/** A file upload: checked here first (type, 20 MB), then sent as multipart `file` with its progress shown. */
export function FileSourceForm({ path, onAdded }: { path: string; onAdded(source: KnowledgeSource): void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | undefined>();
  const [title, setTitle] = useState('');
  const [sent, setSent] = useState<{ loaded: number; total: number } | undefined>();
  const { busy, error, setError, run } = useAction();
  const problem = error?.field('file');
  const described = [`${id}-hint`, problem && `${id}-error`].filter(Boolean).join(' ');
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        const chosen = input.current?.files?.[0];
        const local = chosen ? fileProblem(chosen) : 'Choose a file first.';
        if (local || !chosen) {
          setError(new ApiError(400, 'invalid_file', local ?? '', [{ path: 'file', message: local ?? '' }]));
          input.current?.focus();
          return;
        }
        const form = new FormData();
        form.append('kind', 'file');
        if (title.trim()) form.append('title', title.trim());
        form.append('file', chosen);
        setSent({ loaded: 0, total: chosen.size });
        const answer = await run(() => upload<{ source: KnowledgeSource }>(path, form, (loaded, total) => setSent({ loaded, total })));
        setSent(undefined);
        if (answer) {
          setTitle('');
          setFile(undefined);
          if (input.current) input.current.value = '';
          onAdded(answer.source);
        }
      }}
    >
      <FormError error={error} fields={['file', 'title']} />
      <div class="field">
        <label for={id}>File</label>
        <p class="hint" id={`${id}-hint`}>
          PDF, DOCX, Markdown, HTML or plain text, at most 20 MB. Scanned PDFs and images (PNG, JPEG, WebP) are read only when OCR is allowed in the settings below.
        </p>
        <input
          ref={input}
          id={id}
          name="file"
          type="file"
          accept={FILE_ACCEPT}
          required
          aria-invalid={problem ? true : undefined}
          aria-describedby={described}
          onChange={(e) => {
            const chosen = e.currentTarget.files?.[0];
            setFile(chosen);
            const local = chosen && fileProblem(chosen);
            setError(local ? new ApiError(400, 'invalid_file', local, [{ path: 'file', message: local }]) : undefined);
          }}
        />
        {problem && (
          <p class="field-error" id={`${id}-error`}>
            {problem}
          </p>
        )}
      </div>
      <Field label="Title (optional)" name="title" value={title} onValue={setTitle} error={error} maxLength={300} hint="Empty: the file’s name without its extension." />
      <button type="submit" disabled={busy || (file !== undefined && fileProblem(file) !== undefined)}>
        {busy ? 'Uploading…' : 'Upload file'}
      </button>
      {sent && (
        <p class="progress" role="status">
          <progress value={sent.loaded} max={sent.total || 1} aria-hidden="true" />
          {sent.loaded >= sent.total ? 'Uploaded; the server is checking the file…' : `Uploading ${megabytes(sent.total)}: ${tenths(sent.loaded, sent.total)}% sent`}
        </p>
      )}
    </form>
  );
}

/** Progress in steps of ten per cent, so a screen reader hears ten updates, not hundreds. */
const tenths = (loaded: number, total: number) => (total > 0 ? Math.floor((loaded / total) * 10) * 10 : 0);
