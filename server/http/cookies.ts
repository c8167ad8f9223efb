/** The value of cookie `name` in a Cookie header, if present and shaped as `valid` says; a malformed value counts as none. */
export function readCookie(header: string | undefined, name: string, valid: RegExp): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (valid.test(value)) return value;
  }
  return undefined;
}
