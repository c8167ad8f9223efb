import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { whenTexReady } from '../render/math-loader.js';
import { renderReply } from '../render/render-reply.js';

/**
 * A reply's markdown and math, rendered and sanitised into a container Preact leaves
 * alone. Math shows as TeX until the KaTeX chunk arrives, then the reply renders again.
 */
export function RichText({ source }: { source: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [texLoads, setTexLoads] = useState(0);
  useLayoutEffect(() => {
    if (!ref.current || !renderReply(ref.current, source)) return;
    let live = true;
    whenTexReady().then(
      () => live && setTexLoads((n) => n + 1),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [source, texLoads]);
  return <div class="md" ref={ref} />;
}
