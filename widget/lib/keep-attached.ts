/**
 * Keeps the widget's host element in the page: single-page apps sometimes empty
 * <body> or swap it for a new one on navigation. Moving the element back keeps
 * its shadow root, and so the open chat, intact. Returns a function that stops.
 */
export function keepAttached(host: Element): () => void {
  let body = document.body;
  const reattach = () => {
    if (document.body !== body) {
      bodyObserver.disconnect();
      body = document.body;
      if (body) bodyObserver.observe(body, { childList: true });
    }
    if (body && host.parentNode !== body) body.appendChild(host);
  };
  const bodyObserver = new MutationObserver(reattach);
  const rootObserver = new MutationObserver(reattach);
  bodyObserver.observe(body, { childList: true });
  rootObserver.observe(document.documentElement, { childList: true });
  return () => {
    bodyObserver.disconnect();
    rootObserver.disconnect();
  };
}
