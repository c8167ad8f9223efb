import type { LauncherStrings } from '../lib/locale.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHAT_PATH = 'M12 3C6.9 3 3 6.5 3 10.9c0 2.4 1.2 4.6 3.1 6.1-.1 1.3-.6 2.6-1.6 3.6-.2.2-.1.6.2.6 2 0 3.7-.8 4.9-1.8.8.2 1.6.3 2.4.3 5.1 0 9-3.5 9-7.9S17.1 3 12 3z';
const CHEVRON_PATH = 'M6 9l6 6 6-6';

/**
 * The round button in the corner that opens and closes the chat, drawn by the
 * loader with plain DOM (no Preact), so it costs a host page almost nothing.
 * Returns the button and a function that shows the open or closed state.
 */
export function createLauncher(position: 'left' | 'right', strings: LauncherStrings, onToggle: () => void) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'launcher';
  for (const [name, value] of [['data-position', position], ['aria-controls', 'parley-panel'], ['aria-haspopup', 'dialog']]) button.setAttribute(name!, value!);
  button.addEventListener('click', onToggle);
  const svg = document.createElementNS(SVG, 'svg');
  for (const [name, value] of [['width', '24'], ['height', '24'], ['viewBox', '0 0 24 24'], ['aria-hidden', 'true'], ['focusable', 'false']]) svg.setAttribute(name!, value!);
  const path = document.createElementNS(SVG, 'path');
  svg.appendChild(path);
  button.appendChild(svg);

  const show = (open: boolean) => {
    button.setAttribute('aria-label', open ? strings.closeChat : strings.openChat);
    button.setAttribute('aria-expanded', String(open));
    const attrs = open
      ? { d: CHEVRON_PATH, fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }
      : { d: CHAT_PATH, fill: 'currentColor' };
    for (const name of [...path.getAttributeNames()]) path.removeAttribute(name);
    for (const [name, value] of Object.entries(attrs)) path.setAttribute(name, value);
  };
  return { button, show };
}
