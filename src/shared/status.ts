import type { ArtifactRef } from './activity-contract';
import type { ApprovalMode } from './definition';
import type { OpenGate } from './gate-kinds';
import type { ParallelStatus } from './parallel';
import type { Decision, DecisionAction } from './messages';
import type { NotificationFailure } from './notifications';
import type { MessagingStatus } from './validate-messaging';

export type { ArtifactRef, OpenGate };

export type PhaseState =
  'pending' | 'running' | 'awaiting-approval' | 'done' | 'skipped' | 'failed' | 'cancelled' | 'rejected'
  // Failed after its retries, and its `onFailure` fallback phase ran instead (docs/conditions.md).
  | 'failed-handled';

export type RunState = 'running' | 'waiting' | 'completed' | 'rejected' | 'failed' | 'cancelled';

/** States a run does not leave. */
export const FINAL_RUN_STATES: readonly RunState[] = ['completed', 'rejected', 'failed', 'cancelled'];

/** LLM usage summed over calls. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  calls: number;
}

export const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 };

export function addUsage(a: Usage, b: Partial<Usage>): Usage {
  return {
    inputTokens: a.inputTokens + (b.inputTokens ?? 0),
    outputTokens: a.outputTokens + (b.outputTokens ?? 0),
    costUsd: a.costUsd + (b.costUsd ?? 0),
    calls: a.calls + (b.calls ?? 0),
  };
}

export interface PhaseStatus {
  id: string;
  title: string;
  agent: string;
  needs: string[];
  state: PhaseState;
  /** Agent attempts over every run of the phase (retries by policy included). */
  attempts: number;
  /** How many times the phase ran (a gate's retry or modify runs it again). */
  runs: number;
  startedAt?: string;
  endedAt?: string;
  output?: unknown;
  error?: { type?: string; message: string };
  /**
   * The commit of the phase's latest run: on its own branch (`baton/<phase>`) in runs with a
   * worktree per phase, on main in runs from before them.
   */
  commit?: string;
  /** The run's main branch right after the phase was merged into it (a fast-forward or a merge commit). */
  merged?: string;
  /** Files the phase produced, over all its runs (the newest version of each name). */
  artifacts?: ArtifactRef[];
  /** LLM usage over every run of the phase. */
  usage: Usage;
  /** A parallel phase's tasks, conflicts and merge queue. */
  parallel?: ParallelStatus;
  /** Why a skipped phase did not run: its `when` was false, or it is a fallback that was not needed. */
  skipReason?: string;
  /** A `failed-handled` phase: the fallback that ran for it (its output is this phase's output). */
  handledBy?: string;
  /** A phase with `waitFor` while it waits for a message (docs/messaging.md). */
  waitingFor?: { channel: string; since: string; until?: string };
  /** A `pipeline` phase: the child run of its latest run (`<run id>.<phase>`). */
  child?: { workflowId: string; state?: RunState };
  /** A `loop` phase: its iterations, each a child run. */
  loop?: LoopStatus;
}

/** One iteration of a loop: its child run, how it ended and what `until` gave. */
export interface LoopIteration {
  number: number;
  workflowId: string;
  state: RunState;
  /** `until` on the iteration's outputs; undefined while it runs, or the error it gave. */
  until?: boolean;
  untilError?: string;
}

export interface LoopStatus {
  iterations: LoopIteration[];
  /** Iterations dropped from `iterations` (the first ones) to keep status small. */
  dropped: number;
  /** Rounds of iterations: a `loop` gate's retry starts another. */
  rounds: number;
}

export interface DecisionRecord extends Decision {
  /** The gate the decision was applied to (`<phase>#<n>`), named by the sender or not. */
  gate?: string;
  at: string;
  via: 'signal' | 'update' | 'auto' | 'timeout' | 'policy';
  /** Why this person could decide: `user` (named), a role name, or absent at a gate open to anyone. */
  role?: string;
  /** `verified` when the run checked `sig`; absent when signing is off. */
  signature?: 'verified';
  /** At a gate with `minApprovals`: everyone who approved, this decider last. */
  approvedBy?: string[];
  /** `baton:policy` approvals: the CEL expression and the values it read. */
  policy?: { when: string; inputs: Record<string, unknown> };
  /** What the run changed in a decision sent by signal: control characters escaped, a comment cut. */
  sanitized?: string[];
  /**
   * On a `skip` after the phase ran: true, because the phase's output is kept (dependents bind
   * it, and it stays in `status` and the summary). Absent on a skip at a budget gate, where the
   * phase did not run.
   */
  outputKept?: boolean;
}

export interface IgnoredSignal {
  at: string;
  payload: unknown;
  reason: string;
}

export interface RunStatus extends MessagingStatus {
  name: string;
  template?: string;
  approvalMode: ApprovalMode;
  state: RunState;
  startedAt: string;
  endedAt?: string;
  phases: PhaseStatus[];
  gates: OpenGate[];
  progress: { done: number; total: number; percent: number };
  /** The latest decisions, at most LIMITS.decisionsKept of them and LIMITS.decisionsKeptBytes. */
  decisions: DecisionRecord[];
  /** Older decisions dropped from `decisions` to keep the run's state bounded (history has them all). */
  decisionsDropped: number;
  ignoredSignals: IgnoredSignal[];
  /** LLM usage of the whole run. */
  usage: Usage;
  /** Agents that can use an LLM but ran deterministically, because none was configured for them. */
  agentsWithoutLlm: string[];
  /** The run's budget now (a budget gate's modify can raise it). */
  budget?: { tokens?: number; costUsd?: number };
  /** Why the run ended early, when it did. */
  reason?: string;
  /** Where the run's work is (runs from before this have none). */
  result?: RunResult;
  /** Notifications that could not be delivered after all their retries, the latest few (issue 11). */
  notificationFailures?: NotificationFailure[];
}

/** Where a run's work is: its workspace always; a branch of the user's repository; an export. */
export interface RunResult {
  /** The run's repository on the worker's machine: the last commit of `main` is the result. */
  workspace: string;
  /** `--repo` runs: the branch `baton/<run id>` in the user's repository, on top of `base`. */
  branch?: { name: string; repo: string; base: string; commit: string };
  /** `--out` runs: the directory the final tree was exported to, once it was. */
  out?: { dir: string; files?: number };
}

/** What a run returns: its final status, plus outputs by phase for scripts. */
export interface RunSummary extends RunStatus {
  outputs: Record<string, unknown>;
}

export const TERMINAL_PHASE_STATES: readonly PhaseState[] = [
  'done',
  'skipped',
  'failed',
  'cancelled',
  'rejected',
  'failed-handled',
];
export type { DecisionAction };
