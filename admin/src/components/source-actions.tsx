import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { count } from '../lib/format.js';
import { documentsText, type KnowledgeSource } from '../lib/knowledge.js';
import { useAction } from '../lib/use-api.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { FormError } from './field.js';

interface Props {
  /** The source's API path, /workspaces/:id/knowledge/sources/:sourceId. */
  path: string;
  source: KnowledgeSource;
  onSynced(source: KnowledgeSource): void;
  onDeleted(source: KnowledgeSource): void;
}

/** Re-sync and delete (after a confirmation that says what goes with it), for admins. */
export function SourceActions({ path, source, onSynced, onDeleted }: Props) {
  const [confirming, setConfirming] = useState(false);
  const sync = useAction();
  const remove = useAction();
  return (
    <div class="source-actions">
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={sync.busy}
          onClick={async () => {
            const answer = await sync.run(() => api<{ source: KnowledgeSource }>('POST', `${path}/sync`));
            if (answer) onSynced(answer.source);
          }}
        >
          {sync.busy ? 'Starting…' : 'Re-sync'}
          <span class="visually-hidden"> {source.title}</span>
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            remove.setError(undefined);
            setConfirming(true);
          }}
        >
          Delete<span class="visually-hidden"> {source.title}</span>
        </button>
      </div>
      <FormError error={sync.error} />
      <ConfirmDialog
        open={confirming}
        title={`Delete “${source.title}”?`}
        action="Delete source"
        busy={remove.busy}
        error={remove.error}
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          if ((await remove.run(() => api('DELETE', path).then(() => true))) === true) {
            setConfirming(false);
            onDeleted(source);
          }
        }}
      >
        <p>
          Its {documentsText(source)} and {count(source.chunkCount, 'chunk')} are deleted with it, for good: the assistant no longer answers from it or cites it.
        </p>
      </ConfirmDialog>
    </div>
  );
}
