/**
 * How a run takes decisions in: into a gate's inbox (or its approvals, under the two-person rule),
 * ignored with the reason, and, when the run takes only signed ones, after a signature check.
 * Each is recorded for the audit in runs with governance. Part of the run state.
 */
import { condition, workflowInfo } from '@temporalio/workflow';
import type { OpenGate } from '../shared/gate-kinds';
import { allowedBy } from '../shared/governance';
import type { Decision } from '../shared/messages';
import type { DecisionRecord } from '../shared/status';
import type { createDecisionLog } from './decision-log';
import type { Governance } from './governance';

export interface IntakeDeps {
  gates: Map<string, OpenGate>;
  inbox: Map<string, DecisionRecord>;
  log: ReturnType<typeof createDecisionLog>;
  publish: () => void;
  /** Why the run cannot take this decision now, or undefined. */
  refusal: (raw: unknown) => string | undefined;
  governance: () => Governance | undefined;
  ended: () => boolean;
}

export function createDecisionIntake(deps: IntakeDeps) {
  const { gates, inbox, log, publish, refusal } = deps;
  const now = (): string => new Date().toISOString();
  /**
   * Takes a checked decision: into the gate's inbox, or, at a gate with `minApprovals`, onto its
   * approvals until enough different people have approved. Returns the approval count at such a gate.
   */
  const accept = (
    decision: Decision,
    via: 'signal' | 'update',
    sanitized: string[] = [],
    verified?: { keyId: string },
  ): { count: number; needed: number } | undefined => {
    const governance = deps.governance();
    const open = gates.get(decision.phase);
    const gate = decision.gate ?? open?.id;
    const at = now();
    const role =
      governance && open?.approvers
        ? allowedBy(open.approvers, governance.settings.roles, decision.by)
        : undefined;
    const needed = open?.minApprovals ?? 1;
    const audit = (counted?: { count: number; needed: number }) =>
      governance?.record({
        type: 'decision',
        at,
        gate: gate ?? '',
        phase: decision.phase,
        action: decision.action,
        by: decision.by,
        ...(role ? { role } : {}),
        ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
        ...(open?.digest ? { digest: open.digest } : {}),
        signature: verified ? 'verified' : 'off',
        ...(verified ? { keyId: verified.keyId } : {}),
        ...(decision.signedAt ? { signedAt: decision.signedAt } : {}),
        via,
        ...(decision.changes ? { changes: decision.changes } : {}),
        ...(counted ? { counted } : {}),
      });
    let approvedBy: string[] | undefined;
    if (governance && open && decision.action === 'approve' && needed > 1) {
      open.approvals = [...(open.approvals ?? []), { by: decision.by, ...(role ? { role } : {}), at }];
      const count = open.approvals.length;
      if (count < needed) {
        audit({ count, needed });
        publish();
        return { count, needed };
      }
      approvedBy = open.approvals.map((a) => a.by);
    }
    inbox.set(decision.phase, {
      ...decision,
      ...(gate ? { gate } : {}),
      at,
      via,
      ...(sanitized.length ? { sanitized } : {}),
      ...(role ? { role } : {}),
      ...(verified ? { signature: 'verified' as const } : {}),
      ...(approvedBy ? { approvedBy } : {}),
    });
    audit(needed > 1 && approvedBy ? { count: needed, needed } : undefined);
    return needed > 1 && approvedBy ? { count: needed, needed } : undefined;
  };
  /** A decision the run did not take: kept for `status`, and recorded for the audit. */
  const ignore = (payload: unknown, reason: string, via: 'signal' | 'update' = 'signal') => {
    const governance = deps.governance();
    const at = now();
    // `ignoredSignals` lists signals; a refused update's sender gets the reason as its answer.
    if (via === 'signal') log.ignore(payload, reason, at);
    if (!governance) return;
    const field = (key: string) => {
      const value = (payload as Record<string, unknown> | null)?.[key];
      return typeof value === 'string' ? { [key]: value.slice(0, 200) } : {};
    };
    governance.record({
      type: 'ignored',
      at,
      ...field('gate'),
      ...field('phase'),
      ...field('by'),
      ...field('action'),
      via,
      reason,
    });
  };
  const verifyFor = async (decision: Decision) => {
    const gate = gates.get(decision.phase);
    return (deps.governance() as Governance).verify({
      workflowId: workflowInfo().workflowId,
      gate: gate?.id ?? decision.gate ?? '',
      digest: decision.digest ?? gate?.digest ?? '',
      decision: {
        action: decision.action,
        by: decision.by,
        ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
        ...(decision.changes ? { changes: decision.changes } : {}),
        ...(decision.signedAt ? { signedAt: decision.signedAt } : {}),
        ...(decision.sig ? { sig: decision.sig } : {}),
        ...(decision.keyId ? { keyId: decision.keyId } : {}),
      },
    });
  };

    /**
     * Checks the signatures of signed decisions that came by signal, one at a time, in arrival
     * order, until the run ends. A decision whose signature fails, or that the run can no longer
     * take once checked (its gate closed meanwhile), is ignored with the reason.
     */
    const verifySignals = async (): Promise<void> => {
      const gov = deps.governance();
      if (!gov?.settings.signedDecisions) return;
      for (;;) {
        await condition(() => gov.verifying.length > 0 || deps.ended());
        const next = gov.verifying.shift();
        if (!next) return;
        const before = refusal(next.decision);
        if (before) {
          ignore(next.payload, before);
          continue;
        }
        let result: Awaited<ReturnType<typeof verifyFor>>;
        try {
          result = await verifyFor(next.decision);
        } catch (error) {
          if (deps.ended()) return;
          ignore(next.payload, `the signature could not be checked: ${String(error)}`);
          continue;
        }
        const after = refusal(next.decision);
        if (!result.ok) ignore(next.payload, result.reason);
        else if (after) ignore(next.payload, after);
        else accept(next.decision, 'signal', next.sanitized, { keyId: result.keyId });
      }
    };
  return { accept, ignore, verifyFor, verifySignals };
}
