/**
 * `stats`: figures per template and per phase over the runs started since a time, from visibility
 * (which runs, how they ended) and each run's summary in history (phases, decisions, usage,
 * conflicts). No database: every figure is recomputed from Temporal on each call.
 */
import { addUsage, NO_USAGE, type DecisionRecord, type PhaseStatus, type Usage } from '../../shared/status';
import type { Baton } from '../connect';
import { parseSince } from '../audit';
import { median, percentile, phaseDurationMs, rate } from './durations';
import { readRuns, runsQuery, type RunRecord } from './run-records';
import type { PhaseStats, StatsReport, TemplateStats } from './schemas';
import { dispatchSuccessRates } from '../../dispatch/history';

/** A decision the run took by itself; every other one came from a person (signal or update). */
const AUTOMATIC_VIA = new Set<DecisionRecord['via']>(['auto', 'policy', 'timeout']);

function decisionFigures(decisions: readonly DecisionRecord[]) {
  const automatic = decisions.filter((d) => AUTOMATIC_VIA.has(d.via) || d.by.startsWith('baton:')).length;
  const human = decisions.length - automatic;
  return { total: decisions.length, human, automatic, humanRate: rate(human, decisions.length) };
}

const durations = (values: number[]) => ({ medianMs: median(values), p95Ms: percentile(values, 95) });

const usageOf = (u: Usage) => ({ ...u, costUsd: Math.round(u.costUsd * 1e6) / 1e6 });

/** A task gate's decision names `<phase>.<task>`: it counts for its phase. */
const phaseOfDecision = (d: DecisionRecord) => d.phase.split('.')[0] as string;

/** Sum of task durations over the fan-out's wall time, from the tasks when the status has no figure. */
function speedupOf(phase: PhaseStatus): number | undefined {
  const parallel = phase.parallel;
  if (!parallel) return undefined;
  if (parallel.speedup !== undefined) return parallel.speedup;
  const tasks = parallel.tasks.flatMap((t) => {
    const ms = phaseDurationMs(t);
    return ms === undefined ? [] : [{ ms, from: Date.parse(t.startedAt!), to: Date.parse(t.endedAt!) }];
  });
  if (tasks.length === 0) return undefined;
  const wall = Math.max(...tasks.map((t) => t.to)) - Math.min(...tasks.map((t) => t.from));
  return wall > 0 ? tasks.reduce((sum, t) => sum + t.ms, 0) / wall : undefined;
}

function phaseStats(id: string, records: readonly RunRecord[]): PhaseStats {
  const seen = records.flatMap((r) => {
    const phase = r.summary?.phases.find((p) => p.id === id);
    return phase && phase.runs > 0 ? [{ phase, decisions: r.summary!.decisions }] : [];
  });
  const phases = seen.map((s) => s.phase);
  const done = phases.filter((p) => p.state === 'done').length;
  // A failure a fallback handled is a failure of this phase all the same.
  const failed = phases.filter((p) => p.state === 'failed' || p.state === 'failed-handled').length;
  const phaseRuns = phases.reduce((n, p) => n + p.runs, 0);
  const attempts = phases.reduce((n, p) => n + p.attempts, 0);
  const parallel = phases.filter((p) => p.parallel);
  const conflicts = parallel.flatMap((p) => p.parallel!.conflicts);
  const autoResolved = conflicts.filter((c) => c.outcome === 'resolved').length;
  const speedups = parallel.flatMap((p) => speedupOf(p) ?? []);
  return {
    phase: id,
    runs: phases.length,
    done,
    failed,
    successRate: rate(done, done + failed),
    durationMs: durations(phases.flatMap((p) => (p.state === 'done' ? (phaseDurationMs(p) ?? []) : []))),
    phaseRuns,
    attempts,
    retryRate: phaseRuns ? Math.min(1, Math.max(0, attempts - phaseRuns) / phaseRuns) : undefined,
    usage: usageOf(phases.reduce((u, p) => addUsage(u, p.usage), NO_USAGE)),
    decisions: decisionFigures(seen.flatMap((s) => s.decisions.filter((d) => phaseOfDecision(d) === id))),
    ...(parallel.length
      ? {
          parallel: {
            conflicts: conflicts.length,
            autoResolved,
            autoResolutionRate: rate(autoResolved, conflicts.length),
            speedupMedian: median(speedups),
          },
        }
      : {}),
  };
}

function templateStats(template: string, records: readonly RunRecord[]): TemplateStats {
  const count = (pred: (r: RunRecord) => boolean) => records.filter(pred).length;
  const rejected = count((r) => r.summary?.state === 'rejected');
  const completed = count((r) => r.execution === 'completed' && r.summary?.state !== 'rejected');
  const running = count((r) => r.execution === 'running');
  const failed = count((r) => r.execution === 'failed' || r.execution === 'timed-out');
  const closed = records.length - running;
  const phaseIds = [...new Set(records.flatMap((r) => r.summary?.phases.map((p) => p.id) ?? []))];
  const summaries = records.flatMap((r) => (r.summary ? [r.summary] : []));
  return {
    template,
    runs: records.length,
    running,
    completed,
    rejected,
    failed,
    cancelled: closed - completed - rejected - failed,
    successRate: rate(completed, closed),
    durationMs: durations(
      records.flatMap((r) => (r.closeTime ? Date.parse(r.closeTime) - Date.parse(r.startTime) : [])),
    ),
    decisions: decisionFigures(summaries.flatMap((s) => s.decisions)),
    usage: usageOf(summaries.reduce((u, s) => addUsage(u, s.usage), NO_USAGE)),
    phases: phaseIds.map((id) => phaseStats(id, records)),
  };
}

/** The figures over `records`, by template (in name order). Pure: tests feed it runs directly. */
export function computeStats(records: readonly RunRecord[]): TemplateStats[] {
  const byTemplate = new Map<string, RunRecord[]>();
  for (const r of records) {
    const name = r.template ?? r.summary?.template ?? r.summary?.name ?? '(none)';
    byTemplate.set(name, [...(byTemplate.get(name) ?? []), r]);
  }
  return [...byTemplate.keys()].sort().map((name) => templateStats(name, byTemplate.get(name)!));
}

/** Checks the input (before anything connects) and builds the visibility query. */
export function statsQuery(input: { since: string; template?: string }): { since: Date; query: string } {
  const since = parseSince(input.since);
  return { since, query: runsQuery({ since, template: input.template }) };
}

/** `stats`: reads at most `limit` runs (the newest) and their histories, and computes the figures. */
export async function readStats(
  baton: Baton,
  { since, query, template, limit }: { since: Date; query: string; template?: string; limit: number },
): Promise<StatsReport> {
  const { runs, truncated } = await readRuns(baton, query, limit);
  const templates = computeStats(runs);
  const notes = [
    ...(truncated ? [`only the newest ${limit} runs were read; raise --limit for more`] : []),
    ...(runs.length === 0
      ? [
          template !== undefined
            ? `no run of template "${template}" started since ${since.toISOString()}`
            : `no run started since ${since.toISOString()}`,
        ]
      : []),
  ];
  return {
    since: since.toISOString(),
    at: new Date().toISOString(),
    ...(template !== undefined ? { template } : {}),
    runsRead: runs.length,
    limit,
    truncated,
    ...(notes.length ? { note: notes.join('; ') } : {}),
    templates,
    ...(template === undefined ? { dispatch: await dispatchSuccessRates(baton.client, { since }) } : {}),
  };
}
