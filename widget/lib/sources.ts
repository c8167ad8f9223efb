/** A page or text a reply cites (docs/widget-api.md): links only to http(s), like replies' links. */
export interface Source {
  id: string;
  title: string;
  url: string | null;
}

/** The sources in a server payload, anything malformed dropped. */
export function readSources(value: unknown): Source[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const sources: Source[] = [];
  for (const s of value as unknown[]) {
    const o = s as Record<string, unknown> | null;
    if (o && typeof o.id === 'string' && typeof o.title === 'string') sources.push({ id: o.id, title: o.title, url: typeof o.url === 'string' ? o.url : null });
  }
  return sources;
}

/** The address a visitor may follow from a source, or undefined (shown as a plain label). */
export function sourceHref(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
