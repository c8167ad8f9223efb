import { CopyButton } from '../components/copy-button.js';
import { Async } from '../components/status.js';
import type { Snippets } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import { UsageSummary } from './usage-summary.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** The workspace at a glance and the tags to paste into a site. */
export function OverviewPage({ workspace }: WorkspaceProps) {
  const snippets = useApi<Snippets>(wsPath(workspace, '/snippets'));
  return (
    <>
      <h1>{workspace.name}</h1>
      <dl class="facts">
        <dt>Public id</dt>
        <dd>
          <code>{workspace.publicId}</code>
        </dd>
        <dt>Your role</dt>
        <dd>{workspace.role}</dd>
        <dt>Two-factor authentication</dt>
        <dd>{workspace.requireMfa ? 'Required for every member' : 'Optional'}</dd>
      </dl>
      <UsageSummary workspace={workspace} />
      <h2>Embed the widget</h2>
      <p>
        Paste one of these tags into your site, before <code>&lt;/body&gt;</code>. Add the site's address to the allowed origins in{' '}
        <a href={`/admin/w/${workspace.id}/widget`}>Widget settings</a> first.
      </p>
      <Async state={snippets} label="Loading the embed code…">
        {({ rolling, pinned }) => (
          <>
            <Snippet title="Always the latest version" text={rolling.html} note="Updates arrive with the server: nothing to change on your site." />
            {pinned ? (
              <Snippet
                title={`Pinned to version ${pinned.version}`}
                text={pinned.html}
                note="The same bytes forever, checked by your visitors' browsers (Subresource Integrity). Update the tag to upgrade."
              />
            ) : (
              <p class="hint">No pinned version has been published on this server yet.</p>
            )}
          </>
        )}
      </Async>
    </>
  );
}

function Snippet({ title, text, note }: { title: string; text: string; note: string }) {
  return (
    <section class="snippet" aria-label={title}>
      <h3>{title}</h3>
      <p class="hint">{note}</p>
      <pre>
        <code>{text}</code>
      </pre>
      <CopyButton text={text} label={`Copy: ${title.toLowerCase()}`} />
    </section>
  );
}
