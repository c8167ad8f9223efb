// Content types as the fetcher compares them: the essence ("text/html"), lower-case, and the charset.

export interface ContentType {
  /** type/subtype, lower-case; '' when the server sent none. */
  type: string;
  charset: string | undefined;
}

export function parseContentType(header: string | undefined): ContentType {
  if (!header) return { type: '', charset: undefined };
  const [essence = '', ...params] = header.split(';');
  const charset = params.map((p) => p.trim().match(/^charset\s*=\s*"?([^";\s]+)"?$/i)?.[1]).find(Boolean);
  return { type: essence.trim().toLowerCase(), charset: charset?.toLowerCase() };
}

/**
 * Whether `type` is in the allow-list: exact essences ("application/pdf"), "text/*" wildcards,
 * or "*\/*" (anything, a missing type included).
 */
export function acceptsType(type: string, accept: readonly string[]): boolean {
  return accept.some((a) => {
    const want = a.toLowerCase();
    if (want === '*/*') return true;
    if (want.endsWith('/*')) return type.startsWith(want.slice(0, -1));
    return type === want;
  });
}
