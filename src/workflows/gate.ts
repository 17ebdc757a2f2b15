import { condition } from '@temporalio/workflow';
import type { Approval, Phase } from '../shared/definition';
import { durationMs } from '../shared/duration';
import { LIMITS } from '../shared/limits';
import type { DecisionRecord, OpenGate } from '../shared/status';
import type { RunStateObject } from './run-state';

/**
 * Opens the gate after a phase and waits for a decision: from a human (signal or update), from the
 * approval mode `auto`, or from the gate's timeout policy. Returns undefined when the run stopped
 * while the gate was open.
 */
export async function awaitDecision(
  run: RunStateObject,
  phase: Phase,
  gate: Approval & { kind?: 'approval' | 'budget'; reason?: string; error?: OpenGate['error'] },
): Promise<DecisionRecord | undefined> {
  const kind = gate.kind ?? 'approval';
  // Auto mode approves work, never spending: budget gates always wait for a human. A gate reopened
  // by a bad modify waits too: approving it by itself would hide the error.
  if (run.approvalMode === 'auto' && kind === 'approval' && !gate.error) {
    const decision: DecisionRecord = {
      phase: phase.id,
      action: 'approve',
      by: 'baton:auto',
      comment: 'approval mode auto',
      at: run.now(),
      via: 'auto',
    };
    run.record(decision);
    return decision;
  }
  const timeoutMs = gate.timeout === undefined ? undefined : durationMs(gate.timeout, LIMITS.gateTimeoutMs);
  const status = run.phase(phase.id);
  run.openGate(phase, {
    kind,
    output: kind === 'approval' ? status.output : undefined,
    timeoutMs,
    onTimeout: gate.onTimeout,
    instructions: gate.instructions,
    reason: gate.reason,
    ...(gate.error ? { error: gate.error } : {}),
  });

  const decided = () => run.inbox.has(phase.id) || run.stopped;
  const inTime =
    timeoutMs === undefined ? (await condition(decided), true) : await condition(decided, timeoutMs);

  let decision = run.inbox.get(phase.id);
  if (!decision && !inTime) {
    decision = {
      phase: phase.id,
      action: gate.onTimeout,
      by: 'baton:timeout',
      comment: `no decision within ${String(gate.timeout)}`,
      at: run.now(),
      via: 'timeout',
    };
  }
  if (!decision) {
    run.gates.delete(phase.id);
    run.publish();
    return undefined;
  }
  // A skip after the phase ran keeps its output (dependents bind it): the record says so.
  if (decision.action === 'skip' && kind === 'approval') decision = { ...decision, outputKept: true };
  run.closeGate(phase.id, decision);
  run.publish();
  return decision;
}
