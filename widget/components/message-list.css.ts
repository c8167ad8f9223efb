export const messageListCss = `
.messages {
  flex: 1;
  min-height: 0;
  overflow-y: auto;
  overscroll-behavior: contain;
  padding: 18px 16px 12px;
  display: flex;
  flex-direction: column;
  gap: 10px;
}
.messages:focus-visible { outline-offset: -2px; }
.history-state {
  align-self: center;
  margin: 4px 0;
  font-size: 13px;
  color: var(--parley-muted);
  text-align: center;
}
.history-state button {
  display: block;
  margin: 6px auto 0;
  padding: 5px 12px;
  border: 1px solid var(--parley-border);
  border-radius: 999px;
  background: var(--parley-bg);
  cursor: pointer;
  font-size: 13px;
}
.history-state button:hover { background: var(--parley-surface); }
`;
