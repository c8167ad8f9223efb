export const messageCss = `
.message { display: flex; flex-direction: column; max-width: 86%; }
.message.user { align-self: flex-end; align-items: flex-end; }
.message.assistant { align-self: flex-start; max-width: 92%; }
.bubble {
  padding: 9px 14px;
  border-radius: 18px;
  overflow-wrap: anywhere;
  min-width: 0;
  max-width: 100%;
}
.user .bubble {
  background: var(--parley-accent);
  color: var(--parley-on-accent);
  border-bottom-right-radius: 6px;
  white-space: pre-wrap;
}
.assistant .bubble {
  background: var(--parley-surface);
  border-bottom-left-radius: 6px;
}
.bubble.plain { white-space: pre-wrap; }
.status { margin: 4px 6px 0; font-size: 12.5px; color: var(--parley-muted); }
.sources { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 6px; margin: 5px 6px 0; font-size: 12.5px; color: var(--parley-muted); }
.sources ul { display: flex; flex-wrap: wrap; gap: 2px 6px; margin: 0; padding: 0; list-style: none; min-width: 0; }
.sources li { min-width: 0; overflow-wrap: anywhere; }
.sources li + li::before { content: '·'; margin-right: 6px; }
.sources a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
.sources a:hover { text-decoration-thickness: 2px; }
.status.error { color: var(--parley-danger); }
.typing { display: inline-flex; gap: 4px; padding: 6px 2px; vertical-align: middle; }
.typing span {
  width: 7px;
  height: 7px;
  border-radius: 50%;
  background: var(--parley-muted);
  animation: parley-typing 1.2s infinite ease-in-out;
}
.typing span:nth-child(2) { animation-delay: 0.15s; }
.typing span:nth-child(3) { animation-delay: 0.3s; }
@keyframes parley-typing {
  0%, 60%, 100% { opacity: 0.35; transform: translateY(0); }
  30% { opacity: 1; transform: translateY(-3px); }
}
@media (prefers-reduced-motion: reduce) {
  .typing span { animation: none; }
}
`;
