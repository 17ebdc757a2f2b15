import type { Phase } from '../../shared/definition';
import type { ArtifactRef, Usage } from '../../shared/status';

/** One run of a phase, as its executor gets it. */
export interface PhaseRunRequest {
  phase: Phase;
  /** The phase input, bindings resolved and a gate's changes merged. */
  input: Record<string, unknown>;
  /** Which run of the phase this is (a gate's retry or modify runs it again). */
  run: number;
  /** The phase's worktree; undefined in runs from before worktrees. */
  worktree?: string;
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
