import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { webHref, type SearchAnswer } from '../lib/knowledge.js';
import { useAction } from '../lib/use-api.js';
import { Field, FormError } from './field.js';

/** Asks retrieval a question as chat would, and shows every passage it found with its ranks. */
export function TestConsole({ path }: { /** /workspaces/:id/knowledge/search */ path: string }) {
  const [question, setQuestion] = useState('');
  const [answer, setAnswer] = useState<{ question: string; result: SearchAnswer } | undefined>();
  const { busy, error, run } = useAction();
  return (
    <>
      <form
        class="inline"
        onSubmit={async (e) => {
          e.preventDefault();
          const asked = question.trim();
          const result = await run(() => api<SearchAnswer>('POST', path, { question: asked }));
          if (result) setAnswer({ question: asked, result });
        }}
      >
        <FormError error={error} fields={['question']} />
        <Field label="Question" name="question" value={question} onValue={setQuestion} error={error} required maxLength={1000} hint="What a visitor might ask. Nothing is sent to the model: this shows only what it would be given." />
        <button type="submit" disabled={busy}>
          {busy ? 'Searching…' : 'Find passages'}
        </button>
      </form>
      {answer && <Results {...answer} />}
    </>
  );
}

function Results({ question, result }: { question: string; result: SearchAnswer }) {
  return (
    <section class="search-results" aria-label="Passages found">
      <p role="status">
        {result.passages.length === 0 ? `No passage matches “${question}”.` : `${result.passages.length} ${result.passages.length === 1 ? 'passage' : 'passages'} for “${question}”`}
        {result.mode === 'hybrid' ? ', by meaning and by words (vector and full-text search, merged).' : ', by words only (full-text search: vector search did not run).'}
      </p>
      <ol class="passages">
        {result.passages.map((p) => {
          const href = webHref(p.url);
          return (
            <li key={p.chunkId}>
              <h3>{href ? <a href={href} target="_blank" rel="noopener noreferrer">{p.title}</a> : p.title}</h3>
              {p.headingPath && <p class="meta">{p.headingPath}</p>}
              <dl class="ranks">
                <dt>Score</dt>
                <dd>{p.score.toFixed(3)}</dd>
                <dt>Vector rank</dt>
                <dd>{p.vectorRank ?? '—'}</dd>
                <dt>Text rank</dt>
                <dd>{p.textRank ?? '—'}</dd>
                {typeof p.similarity === 'number' && (
                  <>
                    <dt>Similarity</dt>
                    <dd>{p.similarity.toFixed(3)}</dd>
                  </>
                )}
              </dl>
              <p class="passage-text">{p.content}</p>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
