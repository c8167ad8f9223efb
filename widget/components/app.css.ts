const light = `
  --parley-bg: #ffffff;
  --parley-fg: #111827;
  --parley-muted: #6b7280;
  --parley-surface: #f1f3f6;
  --parley-border: rgba(17, 24, 39, 0.1);
  --parley-code: rgba(17, 24, 39, 0.07);
  --parley-pre-bg: #1e2330;
  --parley-pre-fg: #e5e9f0;
  --parley-danger: #c02626;
  --parley-shadow: 0 16px 48px rgba(17, 24, 39, 0.18), 0 2px 8px rgba(17, 24, 39, 0.08);
  color-scheme: light;
`;

const dark = `
  --parley-bg: #17181c;
  --parley-fg: #eceef2;
  --parley-muted: #9aa1ad;
  --parley-surface: #25272d;
  --parley-border: rgba(255, 255, 255, 0.1);
  --parley-code: rgba(255, 255, 255, 0.09);
  --parley-pre-bg: #0f1013;
  --parley-pre-fg: #e5e9f0;
  --parley-danger: #f87171;
  --parley-shadow: 0 16px 48px rgba(0, 0, 0, 0.55), 0 2px 8px rgba(0, 0, 0, 0.3);
  color-scheme: dark;
`;

/** The panel's base: colour schemes, type, shared helpers (the loader's host.css.ts isolates the root). */
export const appCss = `
.parley {
  ${light}
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif,
    'Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji';
  font-size: 15px;
  line-height: 1.5;
  color: var(--parley-fg);
  -webkit-font-smoothing: antialiased;
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}
.parley[data-mode='dark'] { ${dark} }
@media (prefers-color-scheme: dark) {
  .parley[data-mode='auto'] { ${dark} }
}
.sr-only {
  position: absolute;
  width: 1px;
  height: 1px;
  padding: 0;
  margin: -1px;
  overflow: hidden;
  clip: rect(0, 0, 0, 0);
  white-space: nowrap;
  border: 0;
}
`;
