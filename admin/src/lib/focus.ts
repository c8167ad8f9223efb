/**
 * Moves focus to the page's heading and names the tab after it. Called on every route
 * change, and again by a page whose heading is replaced once its data arrives, if focus
 * was lost with the old one.
 */
export function focusHeading({ onlyIfLost = false } = {}): void {
  const heading = document.querySelector<HTMLElement>('main h1');
  if (!heading) return;
  document.title = `${heading.textContent} · Parley admin`;
  if (onlyIfLost && document.activeElement && document.activeElement !== document.body) return;
  heading.tabIndex = -1;
  heading.focus();
}
