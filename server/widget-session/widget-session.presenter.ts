import type { WidgetConfig, WidgetSession } from './widget-session.service.js';

export function presentWidgetConfig(config: WidgetConfig) {
  return { workspace: config.publicId, title: config.title, greeting: config.greeting, theme: config.theme, available: config.available };
}

export function presentSession(session: WidgetSession) {
  return {
    token: session.token,
    expiresAt: session.expiresAt.toISOString(),
    ...(session.newVisitor && { visitor: { id: session.newVisitor.id, secret: session.newVisitor.secret } }),
  };
}
