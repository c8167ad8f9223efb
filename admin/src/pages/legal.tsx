import { useEffect, useState } from 'preact/hooks';
import { Async } from '../components/status.js';
import { useApi } from '../lib/use-api.js';

type Doc = 'toms' | 'dpa';

/** The operator's technical and organisational measures and data processing agreement. */
export function LegalPage({ doc }: { doc: Doc }) {
  const state = useApi<{ title: string; markdown: string }>(`/legal/${doc}`);
  return (
    <>
      <nav class="tabs" aria-label="Legal documents">
        <ul>
          <li>
            <a href="/admin/legal/toms" aria-current={doc === 'toms' ? 'page' : undefined}>
              Technical and organisational measures
            </a>
          </li>
          <li>
            <a href="/admin/legal/dpa" aria-current={doc === 'dpa' ? 'page' : undefined}>
              Data processing agreement
            </a>
          </li>
          <li>
            <a href="/subprocessors">Subprocessors</a>
          </li>
        </ul>
      </nav>
      <h1>{state.data?.title ?? (doc === 'toms' ? 'Technical and organisational measures' : 'Data processing agreement')}</h1>
      <Async state={state}>{({ markdown, title }) => <Markdown source={markdown} title={title} />}</Async>
    </>
  );
}

/** Markdown with raw HTML off (markdown-it escapes it), loaded only on these pages. */
function Markdown({ source, title }: { source: string; title: string }) {
  const [html, setHtml] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    void import('../lib/markdown.js').then(({ renderMarkdown }) => live && setHtml(renderMarkdown(source, title)));
    return () => {
      live = false;
    };
  }, [source, title]);
  if (html === undefined) return <p class="loading">Loading…</p>;
  // Safe: markdown-it with html: false escapes every tag in the source, and refuses javascript: links.
  return <div class="prose" dangerouslySetInnerHTML={{ __html: html }} />;
}
