import { useLayoutEffect, useRef } from 'preact/hooks';
import { renderReply } from '../render/render-reply.js';

/** A reply's markdown and math, rendered and sanitised into a container Preact leaves alone. */
export function RichText({ source }: { source: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (ref.current) renderReply(ref.current, source);
  }, [source]);
  return <div class="md" ref={ref} />;
}
