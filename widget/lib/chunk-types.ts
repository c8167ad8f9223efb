import type { WidgetConfig } from './api.js';
import type { ParleyEventName } from './emitter.js';
import type { Store, UiState } from './store.js';

/** What the loader gives the panel chunk: the shadow root it drew, the launcher, the state the host page's API drives. */
export interface PanelContext {
  origin: string;
  workspace: string;
  shadow: ShadowRoot;
  /** Where the panel renders, inside the themed wrapper, before the launcher. */
  root: HTMLElement;
  launcher: HTMLButtonElement;
  config: WidgetConfig;
  ui: Store<UiState>;
  emit(event: ParleyEventName, detail?: unknown): void;
  /** The KaTeX chunk, fetched on first call. */
  loadKatex(): Promise<KatexChunk>;
}

export interface PanelChunk {
  mountPanel(context: PanelContext): { destroy(): void };
}

export interface KatexChunk {
  /** KaTeX's HTML+MathML for one formula (errors rendered, never thrown). */
  renderToString(tex: string, displayMode: boolean): string;
  /** katex.min.css without @font-face, for the shadow root. */
  rules: string;
  /** The @font-face rules, with URLs relative to the Parley origin (`fonts/…`). */
  fontFaces: string;
}
