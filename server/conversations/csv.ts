// RFC 4180 CSV, with spreadsheet formula injection defused.

/** Cells a spreadsheet would run as a formula (or that start one after a tab or return). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: a leading formula character gets a single quote before it; every field is quoted, quotes doubled. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '""';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

/** One record, CRLF-terminated as RFC 4180 asks. */
export function csvRow(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
