import { condition } from '@temporalio/workflow';
import type { Approval, Phase } from '../shared/definition';
import { durationMs } from '../shared/duration';
import { GATE_KINDS, instructionsOf, type GateKind, type GateShows } from '../shared/gate-kinds';
import { approverNames, gateDigest, POLICY_DECIDER } from '../shared/governance';
import { LIMITS } from '../shared/limits';
import { evaluatePolicy } from '../shared/policy';
import type { DecisionRecord } from '../shared/status';
import { approversOf, auditOf, type Governance } from './governance';
import { governedWait, timeoutDecision } from './gate-timers';
import { decisionApplied, gateOpened } from './metrics';
import type { RunStateObject } from './run-state';

/**
 * The gate loop's one step, for every kind of gate: opens the phase's next gate (`<phase>#<n>`) and
 * waits for a decision, from a human (signal or update), from approval mode `auto` (for the kinds
 * that allow it), from a policy, or from the gate's timeout policy. Returns undefined when the run
 * stopped while the gate was open.
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
  const governance = run.governance;
  // With approvers, the run's starter cannot approve by choosing approval mode auto.
  if (
    run.approvalMode === 'auto' &&
    GATE_KINDS[kind].autoApproves &&
    !hasError &&
    !(governance && settings.approvers)
  ) {
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
    governance?.record(auditOf(decision, 'off'));
    decisionApplied(run.templateName, kind, decision);
    return decision;
  }
  const timeoutMs =
    settings.timeout === undefined ? undefined : durationMs(settings.timeout, LIMITS.gateTimeoutMs);
  const instructions = settings.instructions ?? instructionsOf(kind);
  if (!governance) {
    run.openGate(phase, kind, id, { timeoutMs, onTimeout: settings.onTimeout, instructions }, shows);
    opened(run, phase);
    return close(run, phase, kind, await legacyWait(run, phase, id, settings, timeoutMs));
  }

  const digest = gateDigest({
    gate: id,
    kind,
    shows: shows,
    artifacts: run.artifactsOf(phase.id),
  });
  const byPolicy = policyDecision(run, governance, phase, kind, id, settings, digest, hasError);
  if (byPolicy.decision) {
    run.record(byPolicy.decision);
    governance.record(auditOf(byPolicy.decision, 'off', digest));
    decisionApplied(run.templateName, kind, byPolicy.decision);
    return byPolicy.decision;
  }
  const approvers = approversOf(settings);
  const roles = governance.settings.roles;
  run.openGate(
    phase,
    kind,
    id,
    {
      timeoutMs,
      onTimeout: settings.onTimeout,
      instructions,
      digest,
      ...(approvers ? { approvers, approverNames: approverNames(approvers, roles) } : {}),
      ...(settings.minApprovals && settings.minApprovals > 1 ? { minApprovals: settings.minApprovals } : {}),
    },
    shows,
  );
  const gate = run.openGateOf(phase.id);
  if (gate && byPolicy.error) gate.policyError = byPolicy.error;
  governance.record({
    type: 'gate-opened',
    at: run.now(),
    gate: id,
    phase: phase.id,
    kind,
    digest,
    ...(approvers ? { approvers } : {}),
    ...(gate?.minApprovals ? { minApprovals: gate.minApprovals } : {}),
    ...(gate?.deadline ? { deadline: gate.deadline } : {}),
  });
  if (byPolicy.error) {
    governance.record({
      type: 'policy-error',
      at: run.now(),
      gate: id,
      phase: phase.id,
      when: settings.autoApprove?.when ?? '',
      error: byPolicy.error,
    });
  }
  opened(run, phase);
  return close(run, phase, kind, await governedWait(run, governance, phase, id, settings, timeoutMs));
}

/** Closes the gate with its decision; a skip after the phase ran keeps its output (dependents bind it). */
function close(
  run: RunStateObject,
  phase: Phase,
  kind: GateKind,
  found: DecisionRecord | undefined,
): DecisionRecord | undefined {
  const openedAt = run.openGateOf(phase.id)?.openedAt;
  if (found) decisionApplied(run.templateName, kind, found, openedAt);
  if (!found) {
    run.closeGate(phase.id);
    return undefined;
  }
  const decision = found.action === 'skip' && kind === 'approval' ? { ...found, outputKept: true } : found;
  run.closeGate(phase.id, decision);
  return decision;
}

/** A gate opened: counted, and its event sent to the sinks that want it. */
function opened(run: RunStateObject, phase: Phase): void {
  const gate = run.openGateOf(phase.id);
  if (!gate) return;
  gateOpened(run.templateName, gate.kind);
  run.notifier?.gateOpened(gate);
}

/** Runs from before governance: one wait, with the gate's timeout if it has one. */
async function legacyWait(
  run: RunStateObject,
  phase: Phase,
  id: string,
  settings: Approval,
  timeoutMs: number | undefined,
): Promise<DecisionRecord | undefined> {
  const decided = () => run.decisionFor(phase.id) !== undefined || run.stopped;
  const inTime =
    timeoutMs === undefined ? (await condition(decided), true) : await condition(decided, timeoutMs);
  const decision = run.decisionFor(phase.id);
  if (decision || inTime) return decision;
  return timeoutDecision(run, phase, id, settings);
}

/** `approval.autoApprove.when`: a true policy approves as `baton:policy`; an error leaves it to a human. */
function policyDecision(
  run: RunStateObject,
  governance: Governance,
  phase: Phase,
  kind: GateKind,
  id: string,
  settings: Approval,
  digest: string,
  hasError: boolean,
): { decision?: DecisionRecord; error?: string } {
  const when = settings.autoApprove?.when;
  if (when === undefined || kind !== 'approval' || hasError) return {};
  const outcome = evaluatePolicy(when, {
    ...run.bindings(),
    gate: { id, phase: phase.id, kind },
  });
  void governance;
  if (!outcome.ok) return { error: outcome.error };
  if (!outcome.value) return {};
  return {
    decision: {
      phase: phase.id,
      gate: id,
      action: 'approve',
      by: POLICY_DECIDER,
      comment: `policy: ${when}`,
      at: run.now(),
      via: 'policy',
      digest,
      policy: { when, inputs: outcome.inputs },
    },
  };
}
