export const panelCss = `
.panel {
  position: fixed;
  z-index: 2147483001;
  bottom: 88px;
  right: 20px;
  width: 380px;
  height: min(640px, calc(100vh - 108px));
  display: flex;
  flex-direction: column;
  background: var(--parley-bg);
  color: var(--parley-fg);
  border: 1px solid var(--parley-border);
  border-radius: 16px;
  box-shadow: var(--parley-shadow);
  overflow: hidden;
  transform-origin: bottom right;
  animation: parley-panel-in 0.18s ease-out;
}
.panel[data-position='left'] { right: auto; left: 20px; transform-origin: bottom left; }
@keyframes parley-panel-in {
  from { opacity: 0; transform: translateY(10px) scale(0.98); }
  to { opacity: 1; transform: none; }
}
.header {
  display: flex;
  align-items: center;
  gap: 4px;
  min-height: 60px;
  padding: 10px 10px 10px 20px;
  background: var(--parley-accent);
  color: var(--parley-on-accent);
  flex: none;
}
.header :focus-visible { outline-color: currentColor; outline-offset: -2px; }
.title {
  flex: 1;
  margin: 0;
  font-size: 16px;
  font-weight: 600;
  letter-spacing: -0.01em;
  white-space: nowrap;
  overflow: hidden;
  text-overflow: ellipsis;
}
.icon-button {
  flex: none;
  width: 36px;
  height: 36px;
  padding: 0;
  border: 0;
  border-radius: 10px;
  background: transparent;
  display: grid;
  place-items: center;
  cursor: pointer;
  opacity: 0.9;
}
.icon-button:hover { opacity: 1; background: color-mix(in srgb, currentColor 14%, transparent); }
.icon-button svg { width: 20px; height: 20px; }
.confirm {
  flex: none;
  padding: 12px 16px;
  border-bottom: 1px solid var(--parley-border);
  background: var(--parley-surface);
  color: var(--parley-fg);
  font-size: 14px;
}
.confirm-question { margin: 0 0 10px; line-height: 1.4; }
.confirm-actions { display: flex; justify-content: flex-end; gap: 8px; }
.confirm-cancel, .confirm-delete {
  display: inline-flex;
  align-items: center;
  gap: 6px;
  min-height: 36px;
  padding: 0 14px;
  border-radius: 10px;
  font: inherit;
  font-size: 14px;
  font-weight: 600;
  cursor: pointer;
}
.confirm-cancel { border: 1px solid var(--parley-border); background: var(--parley-bg); color: var(--parley-fg); }
.confirm-delete { border: 1px solid var(--parley-danger); background: var(--parley-danger); color: var(--parley-bg); }
.confirm-delete svg { width: 16px; height: 16px; }
.confirm-cancel:disabled, .confirm-delete:disabled { opacity: 0.6; cursor: default; }
.confirm :focus-visible { outline: 2px solid var(--parley-accent); outline-offset: 2px; }
.unavailable {
  flex: none;
  margin: 0;
  padding: 16px 20px 20px;
  border-top: 1px solid var(--parley-border);
  color: var(--parley-muted);
  font-size: 14px;
  text-align: center;
}
@media (max-width: 479.98px) {
  .panel, .panel[data-position='left'] {
    inset: 0;
    width: 100%;
    height: 100%;
    border: 0;
    border-radius: 0;
    box-shadow: none;
  }
}
@media (prefers-reduced-motion: reduce) {
  .panel { animation: none; }
}
`;
