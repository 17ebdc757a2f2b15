import type { Phase } from '../../shared/definition';
import type { Decision } from '../../shared/messages';
import type { ArtifactRef, Usage } from '../../shared/status';
import type { RunStateObject } from '../run-state';
import type { RunWorkspace } from '../workspace';

/** Cross-run resource locks, as a run holds them (the lock workflows serve them). */
export interface RunLocks {
  /** Takes every lock (one at a time, in sorted order); waits while another holder has one. */
  acquire(resources: readonly string[], request: string): Promise<void>;
  /** Gives them back; idempotent, and safe while the run is being cancelled. */
  release(resources: readonly string[], request: string): Promise<void>;
}

/** What a kind that runs more than one step sees of its run (a parallel phase's tasks and gates). */
export interface PhaseRunContext {
  run: RunStateObject;
  workspace: RunWorkspace;
  locks?: RunLocks;
  /** Ends the run as rejected by this decision, at this gate (`<phase>` or `<phase>.<task>`). */
  reject(decision: Decision, where: string): void;
}

/** One run of a phase, as its executor gets it. */
export interface PhaseRunRequest {
  phase: Phase;
  /** The phase input, bindings resolved and a gate's changes merged. */
  input: Record<string, unknown>;
  /** Which run of the phase this is (a gate's retry or modify runs it again). */
  run: number;
  /** The phase's worktree; undefined in runs from before worktrees. */
  worktree?: string;
  context?: PhaseRunContext;
}

/** What one run of a phase produced, whatever its kind. */
export interface PhaseRunResult {
  output: unknown;
  /** Attempts this run took (retries by policy included). */
  attempts: number;
  /** The commit holding the run's work. */
  commit?: string;
  artifacts: ArtifactRef[];
  usage: Partial<Usage>;
  /** LLM-capable agents that ran without a model. */
  withoutLlm: string[];
}

/**
 * Runs a phase once. It throws on failure (an ActivityFailure or ChildWorkflowFailure whose
 * details may carry `attempt`); the gate and budget loops around it are the same for every kind.
 */
export type PhaseExecutor = (request: PhaseRunRequest) => Promise<PhaseRunResult>;
