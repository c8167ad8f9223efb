export const composerCss = `
.composer {
  flex: none;
  padding: 10px 12px 12px;
  border-top: 1px solid var(--parley-border);
  background: var(--parley-bg);
}
.notice { margin: 0 6px 8px; font-size: 13px; color: var(--parley-danger); }
.field {
  display: flex;
  align-items: flex-end;
  gap: 8px;
  padding: 4px 4px 4px 14px;
  border: 1px solid var(--parley-border);
  border-radius: 22px;
  background: var(--parley-surface);
  transition: border-color 0.15s ease, box-shadow 0.15s ease;
}
.field:focus-within {
  border-color: var(--parley-accent);
  box-shadow: 0 0 0 3px color-mix(in srgb, var(--parley-accent) 22%, transparent);
}
.input {
  flex: 1;
  min-width: 0;
  height: 36px;
  min-height: 36px;
  max-height: 140px;
  margin: 0;
  padding: 7px 0;
  border: 0;
  outline: none;
  resize: none;
  background: transparent;
  color: var(--parley-fg);
  font: inherit;
  font-size: 16px;
  line-height: 22px;
  field-sizing: content;
}
.input::placeholder { color: var(--parley-muted); opacity: 1; }
.send {
  flex: none;
  width: 36px;
  height: 36px;
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: var(--parley-accent);
  color: var(--parley-on-accent);
  display: grid;
  place-items: center;
  cursor: pointer;
  transition: opacity 0.15s ease;
}
.send svg { width: 20px; height: 20px; }
.send:disabled { opacity: 0.35; cursor: default; }
.field:focus-within .send:focus-visible { outline-offset: 1px; }
@media (max-width: 479.98px) {
  .composer { padding-bottom: max(12px, env(safe-area-inset-bottom)); }
}
@supports (field-sizing: content) {
  .input { height: auto; }
}
`;
