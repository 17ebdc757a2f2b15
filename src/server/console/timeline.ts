/**
 * The run's timeline as a Gantt SVG: one bar per phase run (from the run's audit records: when each
 * run of a phase was scheduled and ended) and one per gate wait (opened to decided, or to now).
 * Without audit records the bars come from status (`startedAt`..`endedAt`, open gates).
 */
import { html, raw } from 'hono/html';
import type { AuditEntry } from '../../client/audit/schema';
import type { RunStatus } from '../../shared/status';
import type { Html } from './layout';
import { duration } from './layout';
import { escapeHtml } from './preview';

export interface Bar {
  label: string;
  kind: 'phase' | 'gate' | 'failed';
  start: number;
  end: number;
  /** Still going: the bar ends at now. */
  open: boolean;
  /** A gate bar's gate id (`<phase>#<n>`), when its entry named it, and its phase. */
  gate?: string;
  phase?: string;
}

const time = (iso: string | undefined) => (iso ? new Date(iso).getTime() : NaN);

/** Bars from audit entries: phase runs and gate waits, in the order they started. */
export function barsFromAudit(entries: readonly AuditEntry[], now: number): Bar[] {
  const bars: Bar[] = [];
  const openRuns = new Map<string, Bar>();
  const openGates = new Map<string, Bar>();
  for (const e of entries) {
    if (e.type === 'phase-started') {
      const key = `${e.task ? `${e.phase}.${e.task}` : e.phase}#${e.phaseRun ?? 1}`;
      const bar: Bar = { label: `${e.task ? `${e.phase}.${e.task}` : e.phase} run ${e.phaseRun ?? 1}`, kind: 'phase', start: time(e.at), end: now, open: true };
      openRuns.set(key, bar);
      bars.push(bar);
    } else if (e.type === 'phase-ended' || e.type === 'phase-failed') {
      const key = `${e.task ? `${e.phase}.${e.task}` : e.phase}#${e.phaseRun ?? 1}`;
      const bar = openRuns.get(key);
      if (!bar) continue;
      Object.assign(bar, { end: time(e.at), open: false, kind: e.type === 'phase-failed' ? 'failed' : 'phase' });
      if (e.type === 'phase-ended') openRuns.delete(key);
    } else if (e.type === 'gate-opened') {
      const bar: Bar = {
        label: `gate ${e.gate ?? e.phase}`,
        kind: 'gate',
        start: time(e.at),
        end: now,
        open: true,
        ...(e.gate ? { gate: e.gate } : {}),
        ...(e.phase ? { phase: e.phase } : {}),
      };
      openGates.set(e.gate ?? e.phase, bar);
      bars.push(bar);
    } else if ((e.type === 'decision' && !e.counted) || e.type === 'timeout') {
      const key = e.gate ?? e.phase ?? '';
      const bar = openGates.get(key);
      if (bar) Object.assign(bar, { end: time(e.at), open: false });
      openGates.delete(key);
    } else if (e.type === 'run-ended') {
      for (const bar of [...openRuns.values(), ...openGates.values()]) Object.assign(bar, { end: time(e.at), open: false });
    }
  }
  return bars.filter((b) => Number.isFinite(b.start));
}

/**
 * Audit bars brought up to date with status: a run writes its audit records up to about a second
 * after the fact (docs/audit.md), so a gate just opened may have no record yet, and one just decided
 * no decision record. Status knows both now.
 */
export function reconcileGates(bars: readonly Bar[], status: RunStatus, now: number): Bar[] {
  // An entry read from search attributes (before the run's first record) knows the phase only.
  const isGate = (b: Bar, g: { id: string; phase: string }) => (b.gate ? b.gate === g.id : b.phase === g.phase);
  const out = bars.map((b) => ({ ...b }));
  const openBars = out.filter((b) => b.kind === 'gate' && b.open);
  for (const g of status.gates) {
    const bar = openBars.findLast((b) => isGate(b, g));
    if (bar) Object.assign(bar, { label: `gate ${g.id}`, gate: g.id });
    else out.push({ label: `gate ${g.id}`, kind: 'gate', start: time(g.openedAt), end: now, open: true, gate: g.id, phase: g.phase });
  }
  for (const bar of openBars) {
    if (status.gates.some((g) => isGate(bar, g))) continue;
    const decided = status.decisions.filter((d) => d.gate && isGate(bar, { id: d.gate, phase: d.phase })).at(-1);
    const end = time(decided?.at);
    if (Number.isFinite(end)) Object.assign(bar, { end, open: false });
  }
  return out.filter((b) => Number.isFinite(b.start));
}

/** Bars from status alone: one per phase that started, one per open gate. */
export function barsFromStatus(status: RunStatus, now: number): Bar[] {
  const bars: Bar[] = status.phases
    .filter((p) => p.startedAt)
    .map((p) => ({
      label: `${p.id}${p.runs > 1 ? ` (${p.runs} runs)` : ''}`,
      kind: p.state === 'failed' ? 'failed' : 'phase',
      start: time(p.startedAt),
      end: p.endedAt ? time(p.endedAt) : now,
      open: !p.endedAt,
    }));
  for (const g of status.gates) bars.push({ label: `gate ${g.id}`, kind: 'gate', start: time(g.openedAt), end: now, open: true });
  return bars;
}

const ROW = 22;
const LABEL = 190;
const CHART = 640;

export function timelineSvg(bars: readonly Bar[]): Html {
  if (bars.length === 0) return html`<p class="muted" data-testid="timeline">Nothing has run yet.</p>`;
  const start = Math.min(...bars.map((b) => b.start));
  const end = Math.max(start + 1000, ...bars.map((b) => b.end));
  const scale = CHART / (end - start);
  const height = bars.length * ROW + 26;
  const rows = bars.map((b, i) => {
    const y = i * ROW + 4;
    const x = LABEL + (b.start - start) * scale;
    const w = Math.max(2, (b.end - b.start) * scale);
    const took = `${b.label}: ${duration(b.end - b.start)}${b.open ? ' so far' : ''}`;
    return (
      `<g class="bar bar-${b.kind}${b.open ? ' open' : ''}"><title>${escapeHtml(took)}</title>` +
      `<text x="${LABEL - 8}" y="${y + 14}" text-anchor="end">${escapeHtml(b.label.length > 28 ? `${b.label.slice(0, 27)}…` : b.label)}</text>` +
      `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 6}" rx="3"/></g>`
    );
  });
  const axis = `<text class="axis" x="${LABEL}" y="${height - 6}">0</text><text class="axis" x="${LABEL + CHART}" y="${height - 6}" text-anchor="end">${escapeHtml(duration(end - start))}</text>`;
  return html`<svg class="timeline" data-testid="timeline" role="img" aria-label="Timeline of ${bars.length} phase runs and gate waits" viewBox="0 0 ${LABEL + CHART + 10} ${height}" width="${LABEL + CHART + 10}" height="${height}">
${raw(rows.join(''))}${raw(axis)}
</svg>`;
}
