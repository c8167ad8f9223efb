import { z } from 'zod';

/** A workspace's public id, as the embed snippet carries it; one that matches none is a 404, not a 400. */
const publicId = z.string().min(1).max(200);

/** `GET /api/widget/config?workspace=…` */
export const configQuery = z.object({
  /** The workspace's public id. */
  workspace: publicId,
});

/** `POST /api/widget/sessions` */
export const sessionBody = z.object({
  /** The workspace's public id. */
  workspace: publicId,
  /** What the widget stored after its first visit; absent on the first visit. */
  visitor: z.object({ id: z.string().max(100), secret: z.string().max(200) }).optional(),
});

export const DEFAULT_THEME = { color: '#2563eb', position: 'right', mode: 'auto' } as const;

/** The widget's accent colour, `#rrggbb`; the admin settings validate with it too. */
export const themeColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, { error: 'must be a colour like #2563eb' });
/** Which bottom corner the launcher sits in. */
export const THEME_POSITIONS = ['right', 'left'] as const;

/** widget_settings.theme, with a default for every missing or invalid field. */
export const themeSchema = z
  .object({
    color: themeColor.catch(DEFAULT_THEME.color),
    position: z.enum(THEME_POSITIONS).catch(DEFAULT_THEME.position),
    mode: z.enum(['auto', 'light', 'dark']).catch(DEFAULT_THEME.mode),
  })
  .catch({ ...DEFAULT_THEME });

export type WidgetTheme = z.output<typeof themeSchema>;
