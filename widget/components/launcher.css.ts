export const launcherCss = `
.launcher {
  position: fixed;
  z-index: 2147483000;
  bottom: 20px;
  right: 20px;
  width: 56px;
  height: 56px;
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: var(--parley-accent);
  color: var(--parley-on-accent);
  box-shadow: 0 6px 20px rgba(17, 24, 39, 0.22), 0 2px 4px rgba(17, 24, 39, 0.12);
  cursor: pointer;
  display: grid;
  place-items: center;
  transition: transform 0.16s ease, box-shadow 0.16s ease;
}
.launcher[data-position='left'] { right: auto; left: 20px; }
.launcher:hover { transform: scale(1.06); box-shadow: 0 8px 26px rgba(17, 24, 39, 0.28), 0 2px 4px rgba(17, 24, 39, 0.12); }
.launcher:active { transform: scale(0.97); }
.launcher:focus-visible { outline-offset: 3px; }
.launcher svg { width: 28px; height: 28px; transition: transform 0.2s ease, opacity 0.2s ease; }
.launcher[aria-expanded='true'] svg { width: 26px; height: 26px; }
@media (max-width: 479.98px) {
  .launcher { bottom: 16px; right: 16px; }
  .launcher[data-position='left'] { left: 16px; }
  .launcher[aria-expanded='true'] { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  .launcher, .launcher svg { transition: none; }
}
`;
