/** Duration figures the ETA and the stats share: one reading of a phase's time, one median, one p95. */
import type { PhaseStatus } from '../../shared/status';

/**
 * Milliseconds of the phase's last run: `startedAt` to `endedAt`. The workflow sets `endedAt` when
 * the phase's work ends, before its approval gate opens, and `startedAt` after its budget gate, so
 * the time people take at those gates is not in it. (A parallel phase's task, conflict and verify
 * gates are inside its run, so they are.)
 */
export function phaseDurationMs(phase: Pick<PhaseStatus, 'startedAt' | 'endedAt'>): number | undefined {
  if (!phase.startedAt || !phase.endedAt) return undefined;
  const ms = Date.parse(phase.endedAt) - Date.parse(phase.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** The nearest-rank percentile (`p` in 0..100) of `values`; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** The median: the middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `part` over `whole`, or undefined when there is nothing to divide. */
export const rate = (part: number, whole: number): number | undefined =>
  whole > 0 ? part / whole : undefined;
