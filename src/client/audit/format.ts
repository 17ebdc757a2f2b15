/**
 * The audit as CSV (one header row, fixed columns, RFC 4180 quoting) and as an aligned table for a
 * terminal. Both flatten each entry into the same named cells first, so they never disagree.
 */
import { escapeControlChars } from '../../shared/limits';
import type { AuditEntry, AuditReport } from './schema';

export const CSV_COLUMNS = [
  'at',
  'run',
  'type',
  'phase',
  'gate',
  'by',
  'role',
  'action',
  'digest',
  'signature',
  'via',
  'reason',
  'comment',
] as const;
type Column = (typeof CSV_COLUMNS)[number];
type Cells = Partial<Record<Column, string>>;

type Of<T extends AuditEntry['type']> = Extract<AuditEntry, { type: T }>;

const approvers = (a: { roles: string[]; users: string[] }) =>
  [a.roles.length ? `roles ${a.roles.join(' ')}` : '', a.users.length ? `users ${a.users.join(' ')}` : '']
    .filter(Boolean)
    .join('; ');

const attempt = (e: { phaseRun?: number; attempt?: number; agent?: string }) =>
  [
    e.agent,
    e.phaseRun !== undefined && `run ${e.phaseRun}`,
    e.attempt !== undefined && `attempt ${e.attempt}`,
  ]
    .filter(Boolean)
    .join(', ');

/** The cells of each entry type beyond at, run and type: one entry per type. */
const CELLS: { [T in AuditEntry['type']]: (entry: Of<T>) => Cells } = {
  'run-started': (e) => ({
    by: e.by,
    reason: [
      e.template ? `template ${e.template}` : e.definition && `definition ${e.definition}`,
      e.params.length && `params ${e.params.join(' ')}`,
      e.approvalMode && `approval ${e.approvalMode}`,
    ]
      .filter(Boolean)
      .join('; '),
  }),
  'run-ended': (e) => ({ action: e.outcome, reason: e.reason }),
  'phase-started': (e) => ({ reason: attempt(e) }),
  'phase-retry': (e) => ({ reason: `${attempt(e)} after: ${e.reason}` }),
  'phase-ended': (e) => ({ reason: attempt(e) }),
  'phase-failed': (e) => ({ action: e.how, reason: `${attempt(e)}: ${e.reason}` }),
  governance: (e) => ({
    digest: e.rolesDigest,
    signature: e.signedDecisions ? 'on' : 'off',
    reason: 'roles digest; signed decisions ' + (e.signedDecisions ? 'on' : 'off'),
  }),
  'gate-opened': (e) => ({
    gate: e.gate,
    action: e.kind,
    digest: e.digest,
    reason: [
      e.approvers && `approvers ${approvers(e.approvers)}`,
      e.minApprovals && e.minApprovals > 1 && `minApprovals ${e.minApprovals}`,
      e.deadline && `deadline ${e.deadline}`,
    ]
      .filter(Boolean)
      .join('; '),
  }),
  decision: (e) => ({
    gate: e.gate,
    by: e.by,
    role: e.role,
    action: e.action,
    digest: e.digest,
    signature: e.signature,
    via: e.via,
    comment: e.comment,
    reason: [
      e.counted && `counted ${e.counted.count} of ${e.counted.needed}`,
      e.policy && `policy ${e.policy.when}`,
      e.keyId && `key ${e.keyId}`,
    ]
      .filter(Boolean)
      .join('; '),
  }),
  'decision-received': (e) => ({
    gate: e.gate,
    by: e.by,
    action: e.action,
    digest: e.digest,
    signature: e.signature,
    via: e.via,
    comment: e.comment,
    reason: [`applied ${String(e.applied)}`, e.reason].filter(Boolean).join(': '),
  }),
  ignored: (e) => ({ gate: e.gate, by: e.by, action: e.action, via: e.via, reason: e.reason }),
  reminder: (e) => ({
    gate: e.gate,
    reason: `reminder ${e.n}; notified ${e.notified.join(' ') || 'nobody'}`,
  }),
  escalation: (e) => ({
    gate: e.gate,
    reason: `to ${approvers(e.to)}; notified ${e.notified.join(' ') || 'nobody'}`,
  }),
  timeout: (e) => ({ gate: e.gate, action: e.action }),
  'policy-error': (e) => ({ gate: e.gate, reason: `${e.when}: ${e.reason}` }),
};

/** Every cell of an entry, control characters escaped (a newline or an escape code could forge rows). */
export function cellsOf(entry: AuditEntry): Record<Column, string> {
  const specific = (CELLS[entry.type] as (e: AuditEntry) => Cells)(entry);
  const phase = 'phase' in entry && entry.phase ? entry.phase : '';
  const task = 'task' in entry && entry.task ? `.${entry.task}` : '';
  const all: Cells = { at: entry.at, run: entry.run, type: entry.type, phase: phase + task, ...specific };
  return Object.fromEntries(CSV_COLUMNS.map((c) => [c, escapeControlChars(all[c] || '')])) as Record<
    Column,
    string
  >;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export function renderCsv(report: AuditReport): string {
  const rows = report.entries.map((entry) => {
    const cells = cellsOf(entry);
    return CSV_COLUMNS.map((c) => csvField(cells[c])).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].map((row) => `${row}\r\n`).join('');
}

const TABLE = ['at', 'type', 'phase', 'gate', 'by', 'action'] as const;
const MAX_DETAIL = 100;

/** The table's last column: what the fixed ones do not show, shortened for a terminal. */
function detailOf(cells: Record<Column, string>): string {
  const parts = [
    cells.role && `role ${cells.role}`,
    cells.via && `via ${cells.via}`,
    cells.signature && `sig ${cells.signature}`,
    cells.digest && `digest ${cells.digest.slice(0, 12)}`,
    cells.reason,
    cells.comment && `"${cells.comment}"`,
  ].filter(Boolean);
  const text = parts.join('  ');
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

export function renderTable(report: AuditReport): string {
  if (!report.entries.length) return report.runs.length ? 'No audit entries.' : 'No runs found.';
  const multi = report.runs.length > 1;
  const head = [...(multi ? ['RUN'] : []), ...TABLE.map((c) => c.toUpperCase()), 'DETAILS'];
  const rows = report.entries.map((entry) => {
    const cells = cellsOf(entry);
    return [...(multi ? [cells.run] : []), ...TABLE.map((c) => cells[c]), detailOf(cells)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const unreadable = report.runs.filter((r) => (r.unreadable ?? 0) > 0);
  const notes = unreadable.map(
    (r) =>
      `note: ${r.unreadable} audit record(s) of ${escapeControlChars(r.workflowId)} could not be read (a newer Baton?)`,
  );
  return [line(head), ...rows.map(line), ...notes].join('\n');
}
