import type { Phase } from '../../shared/definition';
import { runAgentPhase } from './agent';
import { runParallelPhase } from './parallel';
import { runWaitPhase } from './wait';
import { runPipelinePhase } from './pipeline';
import { runLoopPhase } from './loop';
import type { PhaseExecutor } from './executor';

export type { PhaseExecutor, PhaseRunContext, PhaseRunRequest, PhaseRunResult, RunLocks } from './executor';

/**
 * One executor per phase kind. The scheduler and the gate and budget loops never look at the kind:
 * a new kind (`parallel`, `pipeline`, `loop`) is an entry here and a case in `kindOf`.
 */
export const PHASE_EXECUTORS = {
  agent: runAgentPhase,
  parallel: runParallelPhase,
  wait: runWaitPhase,
  pipeline: runPipelinePhase,
  loop: runLoopPhase,
} as const satisfies Record<string, PhaseExecutor>;

export type PhaseKind = keyof typeof PHASE_EXECUTORS;

/** A phase's kind, from the field that names it: `parallel`, `pipeline`, `loop`, `wait` (waitFor and no agent), or else `agent`. */
export const kindOf = (phase: Phase): PhaseKind =>
  phase.parallel
    ? 'parallel'
    : phase.pipeline !== undefined
      ? 'pipeline'
      : phase.loop
        ? 'loop'
        : phase.agent === undefined && phase.waitFor
          ? 'wait'
          : 'agent';
