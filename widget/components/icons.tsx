// Icons drawn inline: the widget loads no images.

const svg = { width: 24, height: 24, viewBox: '0 0 24 24', 'aria-hidden': 'true' as const, focusable: 'false' as const };
const stroke = { fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round' as const, 'stroke-linejoin': 'round' as const };

export const ChatIcon = () => (
  <svg {...svg}>
    <path fill="currentColor" d="M12 3C6.9 3 3 6.5 3 10.9c0 2.4 1.2 4.6 3.1 6.1-.1 1.3-.6 2.6-1.6 3.6-.2.2-.1.6.2.6 2 0 3.7-.8 4.9-1.8.8.2 1.6.3 2.4.3 5.1 0 9-3.5 9-7.9S17.1 3 12 3z" />
  </svg>
);

export const CloseIcon = () => (
  <svg {...svg}>
    <path {...stroke} d="M6 6l12 12M18 6L6 18" />
  </svg>
);

export const ChevronDownIcon = () => (
  <svg {...svg}>
    <path {...stroke} d="M6 9l6 6 6-6" />
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
