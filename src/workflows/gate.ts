import { condition, workflowInfo } from '@temporalio/workflow';
import type { Approval, Phase } from '../shared/definition';
import { durationMs } from '../shared/duration';
import { GATE_KINDS, instructionsOf, type GateKind, type GateShows } from '../shared/gate-kinds';
import { approverNames, gateDigest, POLICY_DECIDER, widen } from '../shared/governance';
import { LIMITS } from '../shared/limits';
import { evaluatePolicy } from '../shared/policy';
import type { DecisionRecord } from '../shared/status';
import { approversOf, notifyGate, type Governance } from './governance';
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
    return decision;
  }
  const timeoutMs =
    settings.timeout === undefined ? undefined : durationMs(settings.timeout, LIMITS.gateTimeoutMs);
  const instructions = settings.instructions ?? instructionsOf(kind);
  if (!governance) {
    run.openGate(phase, kind, id, { timeoutMs, onTimeout: settings.onTimeout, instructions }, shows);
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
  return close(run, phase, kind, await governedWait(run, governance, phase, id, settings, timeoutMs));
}

/** Closes the gate with its decision; a skip after the phase ran keeps its output (dependents bind it). */
function close(
  run: RunStateObject,
  phase: Phase,
  kind: GateKind,
  found: DecisionRecord | undefined,
): DecisionRecord | undefined {
  if (!found) {
    run.closeGate(phase.id);
    return undefined;
  }
  const decision = found.action === 'skip' && kind === 'approval' ? { ...found, outputKept: true } : found;
  run.closeGate(phase.id, decision);
  return decision;
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

function timeoutDecision(run: RunStateObject, phase: Phase, id: string, settings: Approval): DecisionRecord {
  return {
    phase: phase.id,
    gate: id,
    action: settings.onTimeout === 'escalate' ? 'reject' : settings.onTimeout,
    by: 'baton:timeout',
    comment: `no decision within ${String(settings.timeout)}`,
    at: run.now(),
    via: 'timeout',
  };
}

/**
 * Waits for a decision with durable timers for the gate's reminders, its escalation and its
 * timeout: each is the next wake-up, and each is recorded for the audit when it fires.
 */
async function governedWait(
  run: RunStateObject,
  governance: Governance,
  phase: Phase,
  id: string,
  settings: Approval,
  timeoutMs: number | undefined,
): Promise<DecisionRecord | undefined> {
  const decided = () => run.decisionFor(phase.id) !== undefined || run.stopped;
  const opened = Date.now();
  const every = settings.remind === undefined ? undefined : durationMs(settings.remind, LIMITS.gateTimeoutMs);
  let remindAt = every === undefined ? undefined : opened + every;
  const escalateAfter =
    settings.escalate?.after === undefined
      ? undefined
      : durationMs(settings.escalate.after, LIMITS.gateTimeoutMs);
  let escalateAt = settings.escalate && escalateAfter !== undefined ? opened + escalateAfter : undefined;
  let timeoutAt = timeoutMs === undefined ? undefined : opened + timeoutMs;
  let reminders = 0;

  for (;;) {
    const wakes = [remindAt, escalateAt, timeoutAt].filter((t): t is number => t !== undefined);
    const next = wakes.length ? Math.min(...wakes) : undefined;
    if (next === undefined) await condition(decided);
    else await condition(decided, Math.max(1, next - Date.now()));
    if (decided()) return run.decisionFor(phase.id);
    const now = Date.now();
    if (timeoutAt !== undefined && now >= timeoutAt) {
      timeoutAt = undefined;
      governance.record({
        type: 'timeout',
        at: run.now(),
        gate: id,
        phase: phase.id,
        outcome: settings.onTimeout,
      });
      if (settings.onTimeout !== 'escalate') {
        const decision = timeoutDecision(run, phase, id, settings);
        governance.record(auditOf(decision, 'off', run.openGateOf(phase.id)?.digest));
        return decision;
      }
      if (escalateAt !== undefined || !run.openGateOf(phase.id)?.escalatedAt) {
        escalateAt = undefined;
        await escalate(run, governance, phase, id, settings);
      }
      continue;
    }
    if (escalateAt !== undefined && now >= escalateAt) {
      escalateAt = undefined;
      await escalate(run, governance, phase, id, settings);
      continue;
    }
    if (remindAt !== undefined && every !== undefined && now >= remindAt) {
      remindAt = now + every;
      reminders += 1;
      await remind(run, governance, phase, id, reminders);
    }
  }
}

async function remind(run: RunStateObject, governance: Governance, phase: Phase, id: string, n: number) {
  const gate = run.openGateOf(phase.id);
  if (!gate) return;
  gate.reminders = n;
  run.publish();
  const to = gate.approverNames ?? [];
  governance.record({ type: 'reminder', at: run.now(), gate: id, phase: phase.id, n, notified: to });
  await notify(
    run,
    phase,
    id,
    'reminder',
    to,
    `Reminder ${n}: gate ${id} (${gate.title}) of run ${workflowInfo().workflowId} is waiting for a decision since ${gate.openedAt}`,
  );
}

/** Widens who may decide to `escalate.to`, and notifies them. */
async function escalate(
  run: RunStateObject,
  governance: Governance,
  phase: Phase,
  id: string,
  settings: Approval,
) {
  const gate = run.openGateOf(phase.id);
  const to = settings.escalate?.to;
  if (!gate || !to) return;
  const roles = governance.settings.roles;
  if (gate.approvers) {
    gate.approvers = widen(gate.approvers, to);
    gate.approverNames = approverNames(gate.approvers, roles);
  }
  gate.escalatedAt = run.now();
  run.publish();
  const notified = approverNames(to, roles);
  governance.record({ type: 'escalation', at: gate.escalatedAt, gate: id, phase: phase.id, to, notified });
  await notify(
    run,
    phase,
    id,
    'escalation',
    notified,
    `Escalated: gate ${id} (${gate.title}) of run ${workflowInfo().workflowId} has waited since ${gate.openedAt}; you may decide it now`,
  );
}

async function notify(
  run: RunStateObject,
  phase: Phase,
  id: string,
  event: 'reminder' | 'escalation',
  to: string[],
  message: string,
): Promise<void> {
  try {
    await notifyGate({
      workflowId: workflowInfo().workflowId,
      gate: id,
      phase: phase.id,
      title: phase.title ?? phase.id,
      event,
      to,
      message,
    });
  } catch {
    // A notification that could not go out must not stop the gate; the audit has the event.
    if (run.stopped) return;
  }
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

function auditOf(decision: DecisionRecord, signature: 'verified' | 'off', digest?: string) {
  return {
    type: 'decision' as const,
    at: decision.at,
    gate: decision.gate ?? '',
    phase: decision.phase,
    action: decision.action,
    by: decision.by,
    ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
    ...(digest ? { digest } : {}),
    signature,
    via: decision.via,
    ...(decision.policy ? { policy: decision.policy } : {}),
  };
}
