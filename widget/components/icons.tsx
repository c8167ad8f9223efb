// Icons drawn inline: the widget loads no images.

const svg = { width: 24, height: 24, viewBox: '0 0 24 24', 'aria-hidden': 'true' as const, focusable: 'false' as const };
const stroke = { fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round' as const, 'stroke-linejoin': 'round' as const };

export const CloseIcon = () => (
  <svg {...svg}>
    <path {...stroke} d="M6 6l12 12M18 6L6 18" />
  </svg>
);

export const SendIcon = () => (
  <svg {...svg}>
    <path {...stroke} d="M12 19V5M5 12l7-7 7 7" />
  </svg>
);

export const StopIcon = () => (
  <svg {...svg}>
    <rect x="7" y="7" width="10" height="10" rx="2" fill="currentColor" />
  </svg>
);

export const NewChatIcon = () => (
  <svg {...svg}>
    <path {...stroke} d="M12 20h9M16.5 3.5a2.1 2.1 0 013 3L7 19l-4 1 1-4 12.5-12.5z" />
  </svg>
);

export const TrashIcon = () => (
  <svg {...svg}>
    <path {...stroke} d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 002 2h6a2 2 0 002-2l1-12M9 7V4h6v3" />
  </svg>
);
