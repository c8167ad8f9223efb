/** The look a workspace chose, as `GET /api/widget/config` gives it. */
export interface Theme {
  color: string;
  position: 'left' | 'right';
  mode: 'auto' | 'light' | 'dark';
}

export const DEFAULT_THEME: Theme = { color: '#2563eb', position: 'right', mode: 'auto' };

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Whatever the server sent, a theme that is safe to write into a stylesheet. */
export function normalizeTheme(input: unknown): Theme {
  const t = (input ?? {}) as Partial<Record<keyof Theme, unknown>>;
  return {
    color: typeof t.color === 'string' && HEX.test(t.color) ? t.color.toLowerCase() : DEFAULT_THEME.color,
    position: t.position === 'left' ? 'left' : 'right',
    mode: t.mode === 'light' || t.mode === 'dark' ? t.mode : 'auto',
  };
}

function channels(hex: string): [number, number, number] {
  const h = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join('') : hex.slice(1);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG relative luminance of a #rgb or #rrggbb colour. */
export function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Text and icons on the workspace colour: white, as brands expect, while it keeps
 * WCAG's 3:1 for large text and controls; otherwise whichever of white and
 * near-black contrasts more (yellow, light blue and the like get dark text).
 */
export function textOn(hex: string): '#ffffff' | '#111827' {
  const l = luminance(hex);
  const onWhite = 1.05 / (l + 0.05);
  const onDark = (l + 0.05) / (luminance('#111827') + 0.05);
  return onWhite >= 3 || onWhite >= onDark ? '#ffffff' : '#111827';
}

/** The workspace colour as custom properties for the shadow root. */
export function themeCss(theme: Theme): string {
  return `:host{--parley-accent:${theme.color};--parley-on-accent:${textOn(theme.color)}}`;
}
