import type { Phase } from '../../shared/definition';
import { runAgentPhase } from './agent';
import type { PhaseExecutor } from './executor';

export type { PhaseExecutor, PhaseRunRequest, PhaseRunResult } from './executor';

/**
 * One executor per phase kind. The scheduler and the gate and budget loops never look at the kind:
 * a new kind (`parallel`, `pipeline`, `loop`) is an entry here and a case in `kindOf`.
 */
export const PHASE_EXECUTORS = {
  agent: runAgentPhase,
} as const satisfies Record<string, PhaseExecutor>;

export type PhaseKind = keyof typeof PHASE_EXECUTORS;

/** A phase's kind, from the field that names it; every phase today names an `agent`. */
export const kindOf = (_phase: Phase): PhaseKind => 'agent';
