/**
 * Time left for a running run, from what past runs of its template took: per phase, the median of
 * the last N completed runs. No guess: a phase still to run that has no history means no ETA.
 * See docs/dashboard.md for the method and its limits.
 */
import type { PhaseStatus, RunStatus, RunSummary } from '../../shared/status';
import { isFinalState } from '../status-query';
import type { Baton } from '../connect';
import { median, phaseDurationMs } from './durations';
import { readRuns, runsQuery } from './run-records';

export const DEFAULT_ETA_RUNS = 10;

/** Per phase id: the median duration over the runs that finished it, and how many those were. */
export type PhaseMedians = Record<string, { medianMs: number; samples: number }>;

export interface Eta {
  /** Milliseconds left along the critical path; absent when some phase has no history. */
  remainingMs?: number;
  /** Phases still to run that no past run finished (why there is no ETA). */
  missing: string[];
  /** Completed runs the medians come from. */
  basedOnRuns: number;
  /** True while a gate is open: its wait is not in the ETA. */
  waitingOnGate: boolean;
}

/** The medians of each phase's duration over `summaries` (phases that ended `done`). */
export function phaseMedians(summaries: readonly RunSummary[]): PhaseMedians {
  const samples = new Map<string, number[]>();
  for (const summary of summaries)
    for (const phase of summary.phases) {
      const ms = phase.state === 'done' ? phaseDurationMs(phase) : undefined;
      if (ms !== undefined) samples.set(phase.id, [...(samples.get(phase.id) ?? []), ms]);
    }
  return Object.fromEntries(
    [...samples].map(([id, values]) => [id, { medianMs: median(values) as number, samples: values.length }]),
  );
}

/** States in which a phase has no work left (an open approval gate waits on a person, not on work). */
const NO_WORK_LEFT = new Set<PhaseStatus['state']>([
  'done',
  'skipped',
  'failed',
  'cancelled',
  'rejected',
  'awaiting-approval',
  'failed-handled',
]);

/**
 * The run's ETA: over the phase DAG, each unfinished phase ends when its last need ends plus its
 * own time left (its median; less what it has run so far, never below 0, while it runs); the
 * run's time left is the latest of those ends, so parallel branches count by their longest.
 */
export function estimate(
  status: RunStatus,
  medians: PhaseMedians,
  basedOnRuns: number,
  now = Date.now(),
): Eta {
  const waitingOnGate = status.gates.length > 0;
  if (isFinalState(status.state)) return { remainingMs: 0, missing: [], basedOnRuns, waitingOnGate };
  const byId = new Map(status.phases.map((p) => [p.id, p]));
  const missing: string[] = [];
  const ends = new Map<string, number>();
  const endOf = (phase: PhaseStatus, seen: Set<string>): number => {
    const known = ends.get(phase.id);
    if (known !== undefined) return known;
    if (seen.has(phase.id)) return 0; // a cycle cannot pass validation; never loop on one
    seen.add(phase.id);
    let own = 0;
    if (!NO_WORK_LEFT.has(phase.state)) {
      const past = medians[phase.id];
      if (!past) missing.push(phase.id);
      else if (phase.state === 'running' && phase.startedAt)
        own = Math.max(0, past.medianMs - (now - Date.parse(phase.startedAt)));
      else own = past.medianMs;
    }
    const needs = phase.needs.map((id) => byId.get(id)).filter((p): p is PhaseStatus => p !== undefined);
    const end = Math.max(0, ...needs.map((p) => endOf(p, seen))) + own;
    ends.set(phase.id, end);
    return end;
  };
  const remaining = Math.max(0, ...status.phases.map((p) => endOf(p, new Set())));
  return missing.length
    ? { missing, basedOnRuns, waitingOnGate }
    : { remainingMs: Math.round(remaining), missing, basedOnRuns, waitingOnGate };
}

interface Cached {
  at: number;
  value: Promise<{ medians: PhaseMedians; runs: number }>;
}

/** Medians per template, kept in the process: the dashboard asks every second, history changes slowly. */
const cache = new Map<string, Cached>();
const CACHE_MS = 30_000;

/** The phase medians of `template` over its last `n` completed runs, cached for a while. */
export function templateMedians(
  baton: Baton,
  template: string,
  n = DEFAULT_ETA_RUNS,
  now = Date.now(),
): Promise<{ medians: PhaseMedians; runs: number }> {
  const key = `${baton.address}/${baton.namespace}/${template}/${n}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < CACHE_MS) return hit.value;
  const value = readRuns(baton, runsQuery({ template, status: 'Completed' }), n).then(({ runs }) => {
    const summaries = runs.flatMap((r) => (r.summary ? [r.summary] : []));
    return { medians: phaseMedians(summaries), runs: summaries.length };
  });
  // A failed read is not kept: the next frame asks again.
  value.catch(() => cache.delete(key));
  cache.set(key, { at: now, value });
  return value;
}

/**
 * A running run's ETA from its template's history. `template` is the run's `BatonTemplate` (its
 * template, or its definition's name for a run from a file), when the caller has it from visibility.
 */
export async function runEta(
  baton: Baton,
  status: RunStatus,
  { template, n = DEFAULT_ETA_RUNS }: { template?: string; n?: number } = {},
): Promise<Eta> {
  const { medians, runs } = await templateMedians(baton, template ?? status.template ?? status.name, n);
  return estimate(status, medians, runs);
}
