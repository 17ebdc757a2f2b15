import { formatDuration } from '../../shared/duration';
import { escapeControlChars } from '../../shared/limits';

/**
 * Text from a run's history, made safe to print: anyone who can signal a run writes there, and a
 * newline or an escape code in a name or comment could fake a line or clear the reader's terminal.
 * Every value the renderers print from a run goes through here.
 */
export const safe = (value: string | undefined): string => escapeControlChars(value ?? '');

/** A plain text table: a header row and left-aligned columns. Cells are made safe here. */
export function table(header: string[], rows: string[][]): string {
  const cells = rows.map((r) => r.map(safe));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

/** From `from` to `to` (or now), as `1m5s`; empty before it started. */
export function elapsed(from?: string, to?: string): string {
  if (!from) return '';
  return formatDuration((to ? Date.parse(to) : Date.now()) - Date.parse(from));
}

/** A value on one line, made safe and cut to `max` characters. */
export function brief(value: unknown, max = 60): string {
  if (value === undefined) return '';
  const text = safe(typeof value === 'string' ? value : JSON.stringify(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Indents every line of a block. */
export const indent = (text: string, by = '  '): string => text.replace(/^/gm, by);
