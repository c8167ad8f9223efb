import { Async } from '../components/status.js';
import { when } from '../lib/format.js';
import type { Usage } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

const tokens = (n: number) => n.toLocaleString('en');

/** Today's tokens against the daily budget; a banner when it is spent and visitors are turned away. */
export function UsageSummary({ workspace }: Pick<WorkspaceProps, 'workspace'>) {
  const state = useApi<{ usage: Usage }>(wsPath(workspace, '/usage'));
  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage today</h2>
      <Async state={state} label="Loading today's usage…">
        {({ usage }) => (
          <>
            {usage.exhausted && (
              <p class="banner" role="alert">
                Today's token budget is spent: visitors are told the chat has reached its limit for today until {when(usage.resetsAt)}.
              </p>
            )}
            <dl class="facts">
              <dt>Tokens used ({usage.day}, UTC)</dt>
              <dd>
                {tokens(usage.totalTokens)} {usage.budget === null ? '(no daily limit)' : `of ${tokens(usage.budget)}`}
              </dd>
              <dt>Daily budget</dt>
              <dd>
                {usage.budget === null ? 'None' : tokens(usage.budget)}
                {usage.budgetSource === 'operator' ? ', set for this workspace by the server operator' : ", the server's default"}
              </dd>
              <dt>Longest reply allowed by the server</dt>
              <dd>{tokens(usage.maxReplyTokensCeiling)} tokens</dd>
            </dl>
            <p class="hint">Only the server's operator can change the daily budget. Counted from what the model provider reports: prompt and reply tokens.</p>
          </>
        )}
      </Async>
    </section>
  );
}
