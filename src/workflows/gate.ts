import { condition } from '@temporalio/workflow';
import type { Approval, Phase } from '../shared/definition';
import { durationMs } from '../shared/duration';
import { GATE_KINDS, instructionsOf, type GateKind, type GateShows } from '../shared/gate-kinds';
import { LIMITS } from '../shared/limits';
import type { DecisionRecord } from '../shared/status';
import type { RunStateObject } from './run-state';

/**
 * The gate loop's one step, for every kind of gate: opens the phase's next gate (`<phase>#<n>`) and
 * waits for a decision, from a human (signal or update), from approval mode `auto` (for the kinds
 * that allow it), or from the gate's timeout policy. Returns undefined when the run stopped while
 * the gate was open.
 */
export async function awaitDecision<K extends GateKind>(
  run: RunStateObject,
  phase: Phase,
  kind: K,
  settings: Approval,
  shows: GateShows<K>,
): Promise<DecisionRecord | undefined> {
  const id = run.nextGate(phase.id);
  // A gate reopened by a bad modify waits for a human: approving it by itself would hide the error.
  const hasError = 'error' in shows && shows.error !== undefined;
  if (run.approvalMode === 'auto' && GATE_KINDS[kind].autoApproves && !hasError) {
    const decision: DecisionRecord = {
      phase: phase.id,
      gate: id,
      action: 'approve',
      by: 'baton:auto',
      comment: 'approval mode auto',
      at: run.now(),
      via: 'auto',
    };
    run.record(decision);
    return decision;
  }
  const timeoutMs =
    settings.timeout === undefined ? undefined : durationMs(settings.timeout, LIMITS.gateTimeoutMs);
  const instructions = settings.instructions ?? instructionsOf(kind);
  run.openGate(phase, kind, id, { timeoutMs, onTimeout: settings.onTimeout, instructions }, shows);

  const decided = () => run.decisionFor(phase.id) !== undefined || run.stopped;
  const inTime =
    timeoutMs === undefined ? (await condition(decided), true) : await condition(decided, timeoutMs);

  let decision = run.decisionFor(phase.id);
  if (!decision && !inTime) {
    decision = {
      phase: phase.id,
      gate: id,
      action: settings.onTimeout === 'escalate' ? 'reject' : settings.onTimeout,
      by: 'baton:timeout',
      comment: `no decision within ${String(settings.timeout)}`,
      at: run.now(),
      via: 'timeout',
    };
  }
  if (!decision) {
    run.closeGate(phase.id);
    return undefined;
  }
  // A skip after the phase ran keeps its output (dependents bind it): the record says so.
  if (decision.action === 'skip' && kind === 'approval') decision = { ...decision, outputKept: true };
  run.closeGate(phase.id, decision);
  return decision;
}
