import { Component, h, type FunctionComponent } from 'preact';

/** preact/compat's memo without pulling in compat: re-render only when a prop changed identity. */
export function memo<P extends object>(fn: FunctionComponent<P>): new (props: P) => Component<P> {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const prev = this.props as Record<string, unknown>;
      const keys = new Set([...Object.keys(prev), ...Object.keys(next)]);
      for (const k of keys) if (prev[k] !== (next as Record<string, unknown>)[k]) return true;
      return false;
    }

    override render(props: P) {
      return h(fn, props);
    }
  };
}
