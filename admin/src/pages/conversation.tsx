import { useEffect, useRef, useState } from 'preact/hooks';
import { FormError } from '../components/field.js';
import { Async } from '../components/status.js';
import { api } from '../lib/api.js';
import { when } from '../lib/format.js';
import { atLeast } from '../lib/roles.js';
import { navigate } from '../lib/router.js';
import type { ConversationSummary, Message } from '../lib/types.js';
import { useAction, useApi } from '../lib/use-api.js';
import { wsPath, type WorkspaceProps } from './workspace.js';

/** One conversation, as plain text (model output is never rendered as HTML here). */
export function ConversationPage({ workspace, role, conversationId }: WorkspaceProps & { conversationId: string }) {
  const path = wsPath(workspace, `/conversations/${encodeURIComponent(conversationId)}`);
  const state = useApi<{ conversation: ConversationSummary; messages: Message[] }>(path);
  const remove = useAction();
  const [confirming, setConfirming] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  // Asking first: focus on the safe answer.
  useEffect(() => {
    if (confirming) cancel.current?.focus();
  }, [confirming]);
  const back = `/admin/w/${workspace.id}/conversations`;
  return (
    <>
      <p>
        <a href={back}>← All conversations</a>
      </p>
      <h1>Conversation</h1>
      <Async state={state}>
        {({ conversation, messages }) => (
          <>
            <p class="meta">
              Visitor <code>{conversation.visitorId}</code> · started {when(conversation.createdAt)}
            </p>
            {messages.length === 0 ? (
              <p class="empty">This conversation has no messages.</p>
            ) : (
              <ol class="messages">
                {messages.map((m) => (
                  <li key={m.id} class={`message ${m.role}`}>
                    <p class="who">
                      {m.role === 'user' ? 'Visitor' : m.role === 'assistant' ? 'Assistant' : m.role} · <time dateTime={m.createdAt}>{when(m.createdAt)}</time>
                      {m.status !== 'complete' && <span class="badge">{m.status}</span>}
                    </p>
                    <p class="content">{m.content}</p>
                    {m.sources && m.sources.length > 0 && (
                      <p class="sources">
                        Sources:{' '}
                        {m.sources.map((s, i) => (
                          <span key={s.id}>
                            {i > 0 && ' · '}
                            {/^https?:\/\//i.test(s.url ?? '') ? (
                              <a href={s.url!} target="_blank" rel="noopener noreferrer">
                                {s.title}
                              </a>
                            ) : (
                              s.title
                            )}
                          </span>
                        ))}
                      </p>
                    )}
                  </li>
                ))}
              </ol>
            )}
            {atLeast(role, 'admin') && (
              <>
                <FormError error={remove.error} />
                {confirming ? (
                  <div class="actions" role="group" aria-label="Delete this conversation?">
                    <span>Delete this conversation and its messages for good?</span>
                    <button
                      type="button"
                      class="danger"
                      disabled={remove.busy}
                      onClick={async () => {
                        if ((await remove.run(() => api('DELETE', path).then(() => true))) === true) navigate(back.slice('/admin'.length));
                      }}
                    >
                      {remove.busy ? 'Deleting…' : 'Delete for good'}
                    </button>
                    <button type="button" class="secondary" ref={cancel} onClick={() => setConfirming(false)}>
                      Cancel
                    </button>
                  </div>
                ) : (
                  <button type="button" class="danger" onClick={() => setConfirming(true)}>
                    Delete this conversation
                  </button>
                )}
              </>
            )}
          </>
        )}
      </Async>
    </>
  );
}
