import type { ApprovalMode } from './definition';
import type { Decision, DecisionAction } from './messages';

export type PhaseState =
  | 'pending'
  | 'running'
  | 'awaiting-approval'
  | 'done'
  | 'skipped'
  | 'failed'
  | 'cancelled'
  | 'rejected';

export type RunState = 'running' | 'waiting' | 'completed' | 'rejected' | 'failed';

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
}

export interface OpenGate {
  phase: string;
  title: string;
  openedAt: string;
  /** When the gate decides by itself (`onTimeout`), if it has a timeout. */
  deadline?: string;
  onTimeout?: 'approve' | 'reject';
  instructions?: string;
  /** The output the human is asked to approve. */
  output?: unknown;
  kind: 'approval';
}

export interface DecisionRecord extends Decision {
  at: string;
  via: 'signal' | 'update' | 'auto' | 'timeout';
}

export interface IgnoredSignal {
  at: string;
  payload: unknown;
  reason: string;
}

export interface RunStatus {
  name: string;
  template?: string;
  approvalMode: ApprovalMode;
  state: RunState;
  startedAt: string;
  endedAt?: string;
  phases: PhaseStatus[];
  gates: OpenGate[];
  progress: { done: number; total: number; percent: number };
  decisions: DecisionRecord[];
  ignoredSignals: IgnoredSignal[];
  /** Why the run ended early, when it did. */
  reason?: string;
}

/** What a run returns: its final status, plus outputs by phase for scripts. */
export interface RunSummary extends RunStatus {
  outputs: Record<string, unknown>;
}

export const TERMINAL_PHASE_STATES: readonly PhaseState[] = ['done', 'skipped', 'failed', 'cancelled', 'rejected'];
export type { DecisionAction };
