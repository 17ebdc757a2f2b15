/**
 * One child `pipeline` run, for the kinds that run them (`pipeline`, `loop`): started as a child
 * workflow of the same type, cancelled with its parent, its usage counted into the parent's ledger.
 */
import {
  ApplicationFailure,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  isCancellation,
  ParentClosePolicy,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Budget, Definition, Params, Phase } from '../../shared/definition';
import { BATON_FAILURES } from '../../shared/failure-types';
import type { RunResult, RunState, RunSummary, Usage } from '../../shared/status';
import type { RunStateObject } from '../run-state';

/** What a child run gives its parent phase: small, so the parent's history stays small. */
export interface ChildOutcome {
  workflowId: string;
  state: RunState;
  outputs: Record<string, unknown>;
  reason?: string;
  /** Where the child's work is (its workspace). */
  result?: RunResult;
  usage: Partial<Usage>;
  agentsWithoutLlm: string[];
}

export interface ChildRequest {
  workflowId: string;
  definition: Definition;
  params: Params;
  template?: string;
  /** The most the child may spend (what is left of the parent's): its run budget. */
  budget?: Budget;
  /** Called once the child has started (status shows its id from then on). */
  started?(workflowId: string): void;
}

/** `<run id>.<phase>`, and `.<n>` from the phase's second run on (a gate's retry). */
export const childIdOf = (phase: string, suffix?: number): string =>
  `${workflowInfo().workflowId}.${phase}${suffix !== undefined && suffix > 1 ? `.${suffix}` : ''}`;

/** The tighter of each limit of two budgets. */
export function tighter(a: Budget | undefined, b: Budget | undefined): Budget | undefined {
  if (!a) return b;
  if (!b) return a;
  const min = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.min(x, y));
  const tokens = min(a.tokens, b.tokens);
  const costUsd = min(a.costUsd, b.costUsd);
  return { ...(tokens === undefined ? {} : { tokens }), ...(costUsd === undefined ? {} : { costUsd }) };
}

/**
 * Runs the child to its end. A completed child resolves; a failed or rejected one resolves too,
 * with its state and reason (the caller decides what that means); a cancellation propagates.
 */
export async function runChild(run: RunStateObject, request: ChildRequest): Promise<ChildOutcome> {
  const budget = tighter(request.definition.budget, request.budget);
  const handle = await startChild('pipeline', {
    workflowId: request.workflowId,
    args: [
      {
        definition: { ...request.definition, ...(budget ? { budget } : {}) },
        params: request.params,
        approvalMode: run.approvalMode,
        ...(request.template ? { template: request.template } : {}),
      },
    ],
    // Cancelling the parent cancels the child, and waits for it to clear its gates.
    cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    memo: { batonParent: workflowInfo().workflowId },
    staticSummary: `child of ${workflowInfo().workflowId}`,
  });
  request.started?.(request.workflowId);
  try {
    const summary = (await handle.result()) as RunSummary;
    return outcomeOf(request.workflowId, summary);
  } catch (error) {
    if (isCancellation(error)) throw error;
    const summary = failedSummary(error);
    if (summary) return outcomeOf(request.workflowId, summary);
    const cause = error instanceof ChildWorkflowFailure && error.cause ? error.cause : error;
    return {
      workflowId: request.workflowId,
      state: 'failed',
      outputs: {},
      reason: cause instanceof Error ? cause.message : String(cause),
      usage: {},
      agentsWithoutLlm: [],
    };
  }
}

function outcomeOf(workflowId: string, summary: RunSummary): ChildOutcome {
  return {
    workflowId,
    state: summary.state,
    outputs: summary.outputs ?? {},
    ...(summary.reason ? { reason: summary.reason } : {}),
    ...(summary.result ? { result: summary.result } : {}),
    usage: summary.usage ?? {},
    agentsWithoutLlm: summary.agentsWithoutLlm ?? [],
  };
}

/** A failed child throws its summary in the failure's details (see `pipeline`). */
function failedSummary(error: unknown): RunSummary | undefined {
  const cause = error instanceof ChildWorkflowFailure ? error.cause : undefined;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  const details = cause.details?.[0] as RunSummary | undefined;
  return details && typeof details === 'object' && 'state' in details ? details : undefined;
}

/** A child that did not complete fails the phase with the child's reason. */
export function childFailed(phase: Phase, outcome: ChildOutcome): ApplicationFailure {
  return ApplicationFailure.create({
    message: `child run ${outcome.workflowId} ${outcome.state === 'rejected' ? 'was rejected' : `ended ${outcome.state}`}: ${outcome.reason ?? 'no reason given'}`,
    type: BATON_FAILURES.PhaseFailed,
    nonRetryable: true,
    details: [{ phase: phase.id, child: outcome.workflowId, state: outcome.state }],
  });
}
