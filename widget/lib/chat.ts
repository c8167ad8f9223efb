import { ApiError, type Api, type StoredMessage } from './api.js';
import type { Strings } from './i18n.js';
import type { Session } from './session.js';
import { readSources, type Source } from './sources.js';
import { readSse } from './sse.js';

export interface ChatMessage {
  /** Stable for the message's life on screen: the server id, or a local one for messages sent here. */
  key: string;
  role: 'user' | 'assistant';
  content: string;
  status: 'complete' | 'incomplete' | 'error' | 'streaming';
  /** For status error or incomplete: what to tell the visitor instead of the usual sentence. */
  error?: string;
  /** The pages and texts the reply cites, shown under it. */
  sources?: readonly Source[];
}

export interface ChatState {
  history: 'idle' | 'loading' | 'ready' | 'failed';
  messages: readonly ChatMessage[];
  streaming: boolean;
  /** A problem to show above the composer, e.g. a rate limit. */
  notice: string | undefined;
}

export type ChatEvent = { role: 'user' | 'assistant'; content: string; status: ChatMessage['status'] };

let localKeys = 0;
const localKey = () => `local-${++localKeys}`;
const nextFrame = (fn: () => void) => (typeof requestAnimationFrame === 'function' ? requestAnimationFrame(fn) : setTimeout(fn, 16));

/**
 * One visitor's conversation: loads the newest one, sends messages and follows
 * the streamed reply. Components subscribe; every change replaces `state`, and
 * only the message that changed gets a new object, so finished ones stay memoized.
 */
export class Chat {
  state: ChatState = { history: 'idle', messages: [], streaming: false, notice: undefined };
  private conversation: string | undefined;
  private readonly listeners = new Set<() => void>();
  private abort: AbortController | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly api: Api,
    private readonly session: Session,
    private readonly strings: Strings,
    private readonly emit: (event: ChatEvent) => void,
  ) {}

  readonly subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  readonly get = (): ChatState => this.state;

  /**
   * Shows the newest conversation's history. A browser that never chatted here has
   * none, and asks the server nothing: a visitor exists only once it sends a message.
   */
  load(): Promise<void> {
    if (this.state.history === 'idle' || this.state.history === 'failed') this.loading = this.fetchHistory();
    return this.loading ?? Promise.resolve();
  }

  private async fetchHistory(): Promise<void> {
    if (!this.session.known) return this.set({ history: 'ready' });
    this.set({ history: 'loading' });
    try {
      const { conversations } = await this.session.authorized((t) => this.api.conversations(t));
      const newest = conversations[0];
      if (newest) {
        const { messages } = await this.session.authorized((t) => this.api.messages(t, newest.id));
        this.conversation = newest.id;
        this.set({ messages: messages.map(fromStored).concat(this.state.messages) });
      }
      this.set({ history: 'ready' });
    } catch (err) {
      this.set({ history: 'failed', notice: this.describe(err) });
    }
  }

  /** Starts over: the next message opens a new conversation. */
  startNew(): void {
    this.stop();
    this.conversation = undefined;
    this.set({ messages: [], notice: undefined, history: 'ready' });
  }

  /**
   * Deletes the conversation on screen for good (a reply still streaming is stopped), then
   * shows an empty one; the next message opens a new conversation. False when the server
   * could not be asked: the conversation stays and the notice says why.
   */
  async deleteConversation(): Promise<boolean> {
    const conversation = this.conversation;
    this.stop();
    if (conversation) {
      try {
        await this.session.authorized((t) => this.api.deleteConversation(t, conversation));
      } catch (err) {
        // Already gone (deleted elsewhere, or by retention): what the visitor asked for.
        if (!(err instanceof ApiError && err.code === 'conversation_not_found')) {
          this.set({ notice: this.describe(err) });
          return false;
        }
      }
    }
    if (this.conversation === conversation) this.conversation = undefined;
    this.set({ messages: [], notice: undefined, history: 'ready' });
    return true;
  }

  stop(): void {
    this.abort?.abort();
  }

  dispose(): void {
    this.stop();
    this.listeners.clear();
  }

  /** Sends one message and follows the reply. False when it was not accepted (the draft should stay). */
  async send(text: string): Promise<boolean> {
    const content = text.trim();
    if (!content || this.state.streaming) return false;
    // Sent while the history loads: wait for it, so the message joins that conversation.
    await this.loading;
    if (this.state.streaming) return false;
    const abort = (this.abort = new AbortController());
    const user: ChatMessage = { key: localKey(), role: 'user', content, status: 'complete' };
    let reply: ChatMessage = { key: localKey(), role: 'assistant', content: '', status: 'streaming' };
    this.set({ messages: [...this.state.messages, user, reply], streaming: true, notice: undefined });
    const update = (patch: Partial<ChatMessage>) => {
      const next = { ...reply, ...patch };
      this.set({ messages: this.state.messages.map((m) => (m === reply ? next : m)) });
      reply = next;
    };

    let res: Response;
    try {
      res = await this.post(content, abort.signal);
    } catch (err) {
      this.set({
        messages: this.state.messages.filter((m) => m !== user && m !== reply),
        streaming: false,
        notice: abort.signal.aborted ? undefined : this.describe(err),
      });
      return false;
    }

    let pending = '';
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (pending && reply.status === 'streaming') update({ content: reply.content + pending });
      pending = '';
    };
    let final: Partial<ChatMessage> = { status: 'incomplete' };
    try {
      for await (const { event, data } of readSse(res.body!)) {
        const payload = parse(data);
        if (event === 'accepted') this.emit({ role: 'user', content, status: 'complete' });
        else if (event === 'delta' && typeof payload.text === 'string') {
          pending += payload.text;
          if (!scheduled) {
            scheduled = true;
            nextFrame(flush);
          }
        } else if (event === 'done') {
          if (payload.status !== 'incomplete') final = { status: 'complete' };
          else final = payload.reason === 'length' ? { status: 'incomplete', error: this.strings.replyTruncated } : { status: 'incomplete' };
          const sources = readSources(payload.sources);
          if (sources?.length) final.sources = sources;
        } else if (event === 'error') {
          final = { status: 'error', error: payload.code === 'provider_error' || typeof payload.message !== 'string' ? this.strings.replyFailed : payload.message };
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) this.set({ notice: this.describe(err instanceof ApiError ? err : new ApiError(0, 'network_error', '')) });
    }
    flush();
    update(final);
    this.abort = undefined;
    this.set({ streaming: false });
    this.emit({ role: 'assistant', content: reply.content, status: reply.status });
    return true;
  }

  /** POSTs the message, opening a conversation first when there is none or the old one is gone. */
  private async post(content: string, signal: AbortSignal): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      this.conversation ??= (await this.session.authorized((t) => this.api.createConversation(t))).id;
      const conversation = this.conversation;
      try {
        return await this.session.authorized((t) => this.api.send(t, conversation, content, signal));
      } catch (err) {
        if (attempt > 0 || !(err instanceof ApiError) || err.code !== 'conversation_not_found') throw err;
        this.conversation = undefined;
      }
    }
  }

  private describe(err: unknown): string {
    if (!(err instanceof ApiError)) return this.strings.networkError;
    switch (err.code) {
      case 'network_error': return this.strings.networkError;
      case 'rate_limited': return this.strings.rateLimited(err.retryAfter ?? 60);
      case 'conversation_full': return this.strings.conversationFull;
      case 'origin_not_allowed': return this.strings.originNotAllowed;
      case 'model_not_configured': return this.strings.unavailable;
      case 'budget_exhausted': return this.strings.budgetExhausted;
      case 'busy': return this.strings.busy;
      default: return err.message;
    }
  }

  private set(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }
}

function fromStored(m: StoredMessage): ChatMessage {
  const sources = readSources(m.sources);
  return { key: m.id, role: m.role, content: m.content, status: m.status, ...(sources && sources.length > 0 ? { sources } : {}) };
}

function parse(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
