/**
 * A governed gate's wait: durable timers for its reminders, its escalation and its timeout, each
 * recorded for the audit when it fires, and the notifications they send.
 */
import { condition, workflowInfo } from '@temporalio/workflow';
import type { Approval, Phase } from '../shared/definition';
import { durationMs } from '../shared/duration';
import { approverNames, widen } from '../shared/governance';
import { LIMITS } from '../shared/limits';
import type { DecisionRecord } from '../shared/status';
import { auditOf, notifyGate, type Governance } from './governance';
import type { RunStateObject } from './run-state';

export function timeoutDecision(run: RunStateObject, phase: Phase, id: string, settings: Approval): DecisionRecord {
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
export async function governedWait(
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
  // Runs with notifications send the event to the configured sinks, in the background.
  if (run.notifier) return run.notifier.reminder(gate, n, to);
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
  if (run.notifier) return run.notifier.escalated(gate, notified);
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
