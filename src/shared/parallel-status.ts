/** What `status` shows of a parallel phase (`phases[].parallel`). Sandbox-safe: types only. */
import type { ConflictClass, PredictedConflict } from './parallel';


export type TaskState =
  'pending' | 'waiting-lock' | 'running' | 'awaiting-approval' | 'done' | 'failed' | 'dropped' | 'cancelled';

export interface TaskStatus {
  id: string;
  title?: string;
  agent: string;
  needs: string[];
  state: TaskState;
  branch?: string;
  /** The task's commit on its branch. */
  commit?: string;
  /** Runs of the task (a gate's retry or modify runs it again). */
  runs: number;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  /** Milliseconds the task has run (so far, while it runs). */
  elapsedMs?: number;
  /** Estimated milliseconds left: the mean duration of the finished tasks, less this one's elapsed. */
  etaMs?: number;
  locks: string[];
  // A task's output is in the phase's output (`tasks.<id>`), once: rows stay small at 100 tasks.
  error?: { type?: string; message: string };
  /** Why the task was left out of the merge (`drop-task`, a skip, a drop at the verify gate). */
  droppedBecause?: string;
  /** The child workflow that ran it last. */
  workflowId?: string;
}

/** One conflict the merge queue met, and what became of it. */
export interface ConflictRecord {
  task: string;
  class: ConflictClass;
  files: string[];
  strategy: string;
  outcome: 'resolved' | 'human' | 'pending';
  /** What was done: `kept ^4.19.2 (highest compatible)`, `renamed to backend-types.js`. */
  detail?: string;
}

/** One side of a conflicted file, as the conflict gate shows it. */
export interface ConflictSides {
  path: string;
  class: ConflictClass;
  /** The common ancestor's content, when the file existed there. */
  base?: string;
  /** The integration branch's content (the tasks merged so far). */
  ours?: string;
  /** The task's content. */
  theirs?: string;
  /** True when a side was too large or binary and is cut. */
  truncated?: boolean;
}

export interface MergeQueueEntry {
  task: string;
  state: 'queued' | 'merging' | 'merged' | 'conflict' | 'dropped';
  commit?: string;
  /** Milliseconds the merge took (dry run, classification and commit). */
  ms?: number;
}

export interface ParallelStatus {
  tasks: TaskStatus[];
  predictedConflicts: PredictedConflict[];
  conflicts: ConflictRecord[];
  queue: MergeQueueEntry[];
  /** The integration branch and its worktree. */
  integration?: { branch: string; worktree: string; recovery?: string };
  verify?: { agent: string; state: 'pending' | 'running' | 'passed' | 'failed'; error?: string };
  /** Sum of task durations over the fan-out's wall time. */
  speedup?: number;
  /** Conflicts resolved without a human, over all conflicts (undefined with none). */
  autoResolutionRate?: number;
  /** Conflicts a human resolved, over all conflicts. */
  humanInterventionRate?: number;
}
