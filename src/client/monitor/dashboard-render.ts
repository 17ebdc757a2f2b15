/**
 * Text for the terminal: the dashboard's frame, a progress bar, an ETA. Pure functions of a
 * snapshot and a width, so a test can read a frame without a terminal. Every value from a run
 * goes through escapeControlChars: anyone who can start a run names it.
 */
import { formatDuration } from '../../shared/duration';
import { escapeControlChars } from '../../shared/limits';
import type { DashboardRun, DashboardSnapshot, EtaValue } from './schemas';

const SGR = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36', inverse: '7' } as const;
type Style = keyof typeof SGR;

const paint = (text: string, style: Style | undefined, color: boolean) =>
  color && style && text ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text;

/** Cuts `text` to `width` characters, ending with … when it was longer. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? '' : `${chars.slice(0, width - 1).join('')}…`;
}

const length = (text: string) => [...text].length;
const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - length(text)));

/** `[██████░░░░]` for `percent`, `width` cells inside the brackets. */
export function progressBar(percent: number, width = 10): string {
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** The ETA as a person reads it: `1m5s`, `—` without history, `+gate` while a gate waits (its wait is not counted). */
export function formatEta(eta: EtaValue | undefined): string {
  if (eta?.remainingMs === undefined) return '—';
  const left = eta.remainingMs < 1000 ? '0s' : formatDuration(eta.remainingMs);
  return `${left}${eta.waitingOnGate ? ' +gate' : ''}`;
}

/** The line `status --watch` adds: the bar, the phases done, the ETA and what it is based on. */
export function progressLine(progress: DashboardRun['progress'], eta: EtaValue | undefined): string {
  const bar = `progress [${progressBar(progress.percent, 20)}] ${String(progress.percent).padStart(3)}%  ${progress.done}/${progress.total} phases`;
  if (!eta) return `${bar}  ETA —`;
  if (eta.remainingMs === undefined) {
    const why = eta.missing.length
      ? `no past run finished ${eta.missing.map((p) => `"${escapeControlChars(p)}"`).join(', ')}`
      : 'no history';
    return `${bar}  ETA — (${why})`;
  }
  const basis = `median of the last ${eta.basedOnRuns} completed run${eta.basedOnRuns === 1 ? '' : 's'} per phase; gate waits not included`;
  return `${bar}  ETA ${formatEta(eta)} (${basis})`;
}

interface Column {
  title: string;
  cell(run: DashboardRun, now: number): string;
  /** Columns that give up width when the terminal is narrow, down to `min`. */
  min?: number;
  max?: number;
  style?(run: DashboardRun): Style | undefined;
}

const ageOf = (ms: number | undefined) => (ms === undefined ? '?' : formatDuration(ms));

const COLUMNS: Column[] = [
  { title: 'RUN', cell: (r) => r.workflowId, min: 8, max: 40 },
  { title: 'TEMPLATE', cell: (r) => r.template ?? '', min: 6, max: 20 },
  {
    title: 'STAGE',
    cell: (r) => r.stage.join(',') || (r.unanswered ? '?' : '-'),
    min: 5,
    max: 24,
  },
  {
    title: 'AGENTS r/d/w',
    cell: (r) => (r.unanswered ? '?' : `${r.agents.running}/${r.agents.done}/${r.agents.waiting}`),
  },
  {
    title: 'PROGRESS',
    cell: (r) => `${progressBar(r.progress.percent)} ${String(r.progress.percent).padStart(3)}%`,
  },
  { title: 'ETA', cell: (r) => formatEta(r.eta) },
  {
    title: 'APPROVALS',
    cell: (r) =>
      r.gates
        .map((g) => `${g.kind === 'approval' ? '' : `${g.kind}:`}${g.phase} ${ageOf(g.ageMs)}`)
        .join(', ') || '-',
    min: 9,
    max: 40,
    style: (r) => (r.needsHuman ? 'yellow' : undefined),
  },
  {
    title: 'CONFLICTS',
    cell: (r) =>
      r.conflicts.total
        ? `${r.conflicts.total} (${r.conflicts.resolved} auto, ${r.conflicts.pending + r.conflicts.human} human)`
        : '-',
    style: (r) => (r.conflicts.pending ? 'red' : undefined),
  },
];

/** Column widths that fit `width`: each column's widest cell, the flexible ones narrowed as needed. */
function fitWidths(cells: string[][], width: number): number[] {
  const widths = COLUMNS.map((c, i) =>
    Math.min(c.max ?? Infinity, Math.max(length(c.title), ...cells.map((row) => length(row[i] ?? '')))),
  );
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total() > width) {
    let widest = -1;
    COLUMNS.forEach((c, i) => {
      if (
        c.min !== undefined &&
        (widths[i] as number) > c.min &&
        (widest < 0 || (widths[i] as number) > (widths[widest] as number))
      )
        widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] as number) - 1;
  }
  return widths;
}

export interface FrameOptions {
  width: number;
  color: boolean;
  /** A line under the title: the refresh interval, the keys, or why the data is stale. */
  status?: string;
}

/** The whole dashboard as lines, each at most `width` characters wide. */
export function renderDashboard(snapshot: DashboardSnapshot, options: FrameOptions): string[] {
  const { width, color } = options;
  const now = Date.parse(snapshot.at);
  const human = snapshot.runs.filter((r) => r.needsHuman).length;
  const time = snapshot.at.slice(11, 19);
  const title = `baton dashboard · ${snapshot.runs.length} active run${snapshot.runs.length === 1 ? '' : 's'} · ${human} need${human === 1 ? 's' : ''} a human · ${time} UTC`;
  const lines = [paint(truncate(title, width), 'bold', color)];
  lines.push(paint(truncate(options.status ?? '', width), 'dim', color));
  if (snapshot.runs.length === 0) {
    lines.push('', truncate(escapeControlChars(snapshot.note ?? 'no active run'), width));
    return lines;
  }
  const cells = snapshot.runs.map((r) => COLUMNS.map((c) => escapeControlChars(c.cell(r, now))));
  const widths = fitWidths(cells, width);
  const fitted = (values: string[], styles: (Style | undefined)[]) => {
    // Cell by cell, so colours never split a character and the line never passes `width`.
    const parts: string[] = [];
    let used = 0;
    for (const [i, value] of values.entries()) {
      const room = width - used - (i ? 2 : 0);
      if (room <= 0) break;
      const last = i === values.length - 1;
      const cell = truncate(
        last
          ? truncate(value, widths[i] as number)
          : pad(truncate(value, widths[i] as number), widths[i] as number),
        room,
      );
      parts.push(paint(cell, styles[i], color));
      used += length(cell) + (i ? 2 : 0);
    }
    return parts.join('  ').trimEnd();
  };
  // The header is one inverse bar, gaps included.
  const header = fitted(
    COLUMNS.map((c) => c.title),
    [],
  );
  lines.push(color ? paint(pad(header, width), 'inverse', true) : header);
  snapshot.runs.forEach((r, i) =>
    lines.push(
      fitted(
        cells[i] as string[],
        COLUMNS.map((c) => c.style?.(r)),
      ),
    ),
  );
  if (snapshot.truncated) lines.push(truncate(`… more active runs than shown (raise --limit)`, width));
  if (snapshot.runs.some((r) => r.eta?.remainingMs !== undefined))
    lines.push(
      '',
      paint(
        truncate(
          'ETA: median per phase of recent completed runs along the critical path; gate waits not included; — = no history',
          width,
        ),
        'dim',
        color,
      ),
    );
  return lines;
}
