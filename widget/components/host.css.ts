/** The loader's base for the shadow root: isolation from the host page's CSS, focus rings, the panel's slot. */
export const hostCss = `
:host {
  all: initial !important;
  display: block !important;
  position: static !important;
}
*, *::before, *::after { box-sizing: border-box; }
button { font: inherit; color: inherit; margin: 0; }
:focus { outline: none; }
:focus-visible { outline: 2px solid var(--parley-accent); outline-offset: 2px; }
.panel-root { display: contents; }
`;
