/**
 * The `task` child workflow's one argument and its result: one run of one task of a parallel phase.
 * Sandbox-safe.
 */
import type { ArtifactRef, PhaseUsage } from './activity-contract';
import type { Retry } from './definition';

export interface TaskWorkflowInput {
  /** The parent run's repository, and its run id (task branches are `baton/<run id>/<phase>/<task>`). */
  workspace: string;
  parentRunId: string;
  phase: string;
  task: string;
  agent: string;
  /** The task's input, bindings resolved and a gate's changes merged. */
  input: Record<string, unknown>;
  /** The commit the parallel phase started on: the task's worktree starts there. */
  base: string;
  /** Which run of the task this is (a gate's retry or modify runs it again). */
  run: number;
  /** One attempt of the agent, in milliseconds. */
  timeoutMs: number;
  heartbeatMs: number;
  retry: Retry;
}

export interface TaskWorkflowResult {
  worktree: string;
  branch: string;
  output: unknown;
  commit: string;
  attempts: number;
  artifacts: ArtifactRef[];
  usage: Partial<PhaseUsage>;
  withoutLlm: boolean;
}
