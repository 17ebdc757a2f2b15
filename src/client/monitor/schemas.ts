/**
 * The monitor's boundary: what `dashboard`, `stats` and `eta` take and give, as zod schemas and
 * their types. `baton dashboard --json` and `baton stats --json` print exactly these (documented
 * in docs/dashboard.md); a web console reads the same.
 */
import { z } from 'zod';

const Count = z.number().int().min(0);
/** A share in 0..1; absent where there is nothing to divide. */
const Rate = z.number().min(0).max(1).optional();

export const EtaSchema = z.object({
  /** Milliseconds left along the critical path; absent when some phase has no history. */
  remainingMs: z.number().min(0).optional(),
  /** Phases still to run that no past run finished: why there is no ETA. */
  missing: z.array(z.string()),
  /** Completed runs of the template the medians come from. */
  basedOnRuns: Count,
  /** A gate is open: its wait is not in the ETA. */
  waitingOnGate: z.boolean(),
});
export type EtaValue = z.infer<typeof EtaSchema>;

export const DashboardInputSchema = z
  .object({
    template: z.string().min(1).max(200).optional(),
    /** Past completed runs per template the ETA medians come from. */
    etaRuns: z.number().int().min(1).max(100).default(10),
    /** At most this many active runs. */
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type DashboardInput = z.input<typeof DashboardInputSchema>;

export const DashboardGateSchema = z.object({
  id: z.string(),
  phase: z.string(),
  kind: z.string(),
  title: z.string(),
  openedAt: z.string().optional(),
  /** Milliseconds the gate has been open, at the snapshot's `at`. */
  ageMs: z.number().min(0).optional(),
});

export const DashboardRunSchema = z.object({
  workflowId: z.string(),
  template: z.string().optional(),
  /** `waiting` while a gate is open. */
  state: z.enum(['running', 'waiting']),
  startedAt: z.string(),
  /** The phases at work or at a gate now. */
  stage: z.array(z.string()),
  /** Agents: agent phases, and each task of a parallel phase. */
  agents: z.object({ running: Count, done: Count, waiting: Count, total: Count }),
  progress: z.object({ done: Count, total: Count, percent: z.number().min(0).max(100) }),
  eta: EtaSchema.optional(),
  gates: z.array(DashboardGateSchema),
  conflicts: z.object({ total: Count, resolved: Count, human: Count, pending: Count }),
  /** An open gate waits on a person. */
  needsHuman: z.boolean(),
  /** No worker answered the status query: the row is from search attributes alone. */
  unanswered: z.string().optional(),
});
export type DashboardRun = z.infer<typeof DashboardRunSchema>;

export const DashboardSnapshotSchema = z.object({
  at: z.string(),
  runs: z.array(DashboardRunSchema),
  /** More active runs matched than `limit`. */
  truncated: z.boolean(),
  /** Why the list is empty or short (an unknown template, say). */
  note: z.string().optional(),
});
export type DashboardSnapshot = z.infer<typeof DashboardSnapshotSchema>;

export const StatsInputSchema = z
  .object({
    /** A duration back from now (`30d`, `12h`) or an ISO date. */
    since: z.string().min(1).max(100).default('30d'),
    template: z.string().min(1).max(200).optional(),
    /** At most this many runs are read (the newest). */
    limit: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();
export type StatsInput = z.input<typeof StatsInputSchema>;

const DurationFigures = z.object({ medianMs: z.number().optional(), p95Ms: z.number().optional() });
const UsageFigures = z.object({
  inputTokens: Count,
  outputTokens: Count,
  costUsd: z.number().min(0),
  calls: Count,
});
const DecisionFigures = z.object({
  /** Decisions applied at gates. */
  total: Count,
  /** Decided by a person (`via` signal or update). */
  human: Count,
  /** Decided by the run itself (`via` auto, policy or timeout). */
  automatic: Count,
  humanRate: Rate,
});

export const PhaseStatsSchema = z.object({
  phase: z.string(),
  /** Runs in which the phase ran at least once. */
  runs: Count,
  done: Count,
  failed: Count,
  /** done / (done + failed). */
  successRate: Rate,
  durationMs: DurationFigures,
  /** Runs of the phase (a gate's retry or modify runs it again) and agent attempts over them. */
  phaseRuns: Count,
  attempts: Count,
  /** Share of phase runs that needed more than one attempt: (attempts - phaseRuns) / phaseRuns, capped at 1. */
  retryRate: Rate,
  usage: UsageFigures,
  decisions: DecisionFigures,
  parallel: z
    .object({
      conflicts: Count,
      autoResolved: Count,
      autoResolutionRate: Rate,
      /** Median over runs of (sum of task durations / fan-out wall time). */
      speedupMedian: z.number().optional(),
    })
    .optional(),
});
export type PhaseStats = z.infer<typeof PhaseStatsSchema>;

export const TemplateStatsSchema = z.object({
  template: z.string(),
  runs: Count,
  running: Count,
  completed: Count,
  rejected: Count,
  failed: Count,
  /** Cancelled, terminated or timed out. */
  cancelled: Count,
  /** completed / closed runs. */
  successRate: Rate,
  durationMs: DurationFigures,
  decisions: DecisionFigures,
  usage: UsageFigures,
  phases: z.array(PhaseStatsSchema),
});
export type TemplateStats = z.infer<typeof TemplateStatsSchema>;

export const StatsReportSchema = z.object({
  since: z.string(),
  at: z.string(),
  template: z.string().optional(),
  runsRead: Count,
  limit: Count,
  /** More runs matched than `limit`: the figures are over the newest `limit`. */
  truncated: z.boolean(),
  note: z.string().optional(),
  templates: z.array(TemplateStatsSchema),
  /** Per template `baton dispatch` chose: dispatches that ended, and how many completed (docs/dispatch.md). */
  dispatch: z
    .record(z.string(), z.object({ runs: Count, completed: Count, rate: z.number().optional() }))
    .optional(),
});
export type StatsReport = z.infer<typeof StatsReportSchema>;
