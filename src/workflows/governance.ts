/**
 * The run's side of gate governance (issue 10): the settings the worker gave at the start, the
 * audit records the run writes into its own history, and the queue of signed decisions waiting for
 * their signature check. Runs from before it (`patched(GOVERNANCE)` false) have none of this and
 * take exactly their old steps.
 */
import { CancellationScope, condition, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AuditRecord } from '../shared/audit-record';
import type { Approval, Approvers } from '../shared/definition-core';
import { gateOf, type Definition } from '../shared/definition';
import type { Problem } from '../shared/validate';
import type { VerifyDecisionResult } from '../shared/activity-contract';
import type { GovernanceSettings } from '../shared/governance';
import type { Decision } from '../shared/messages';
import type { DecisionRecord } from '../shared/status';

/** Runs started before this have no governance: no settings loaded, no audit records, no digests. */
export const GOVERNANCE = 'governance';

/**
 * Runs started before this write their audit records in the workflow task that made them. Since it,
 * records wait up to AUDIT_BATCH_MS (or the run's end) and go in as one batch, in a task of their
 * own: the local activity that writes them no longer holds back the task that schedules the next
 * phase, so a decision reaches its agent sooner (bench/README.md, decision latency).
 */
export const AUDIT_BATCHED = 'audit-batched';

/** How long a record may wait for others before its batch is written (a timer in the run's history). */
export const AUDIT_BATCH_MS = 1000;

// Local activities: no round trip to the server, and their results are the history's record.
const { loadGovernance, recordAudit } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 10, initialInterval: '200ms' },
});
const { verifyDecision } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '200ms' },
});
const { notifyGate } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

export { notifyGate };

/** A decision that arrived by signal, passed the run's checks, and waits for its signature check. */
export interface PendingSignal {
  decision: Decision;
  sanitized: string[];
  payload: unknown;
}

export type Governance = ReturnType<typeof createGovernance>;

/**
 * The run's governance: its settings and its audit trail. Records are written in batches by one
 * loop, in order; `drained()` is true once every record so far is in history. With `batched`, the
 * loop waits AUDIT_BATCH_MS after a batch's first record, or less if the run ends first.
 */
export function createGovernance(settings: GovernanceSettings, batched = false) {
  const queue: AuditRecord[] = [];
  let writing = false;
  let stopped = false;
  const verifying: PendingSignal[] = [];

  async function writeLoop(): Promise<void> {
    for (;;) {
      await condition(() => queue.length > 0 || stopped);
      if (queue.length === 0) return;
      if (batched && !stopped) await condition(() => stopped, AUDIT_BATCH_MS);
      writing = true;
      try {
        await recordAudit(queue.splice(0, 100));
      } catch {
        // Cancelled with the run: what is left cannot be written any more.
        return;
      } finally {
        writing = false;
      }
    }
  }

  return {
    settings,
    /** Signals whose signature is being checked, oldest first. */
    verifying,
    record(entry: AuditRecord): void {
      queue.push(entry);
    },
    batched,
    /**
     * Starts the loop that writes records; call once. A batched loop is not cancelled with the run:
     * a batch still waiting when Temporal cancels the run is written before it ends.
     */
    start(): Promise<void> {
      return batched ? CancellationScope.nonCancellable(writeLoop) : writeLoop();
    },
    drained: () => queue.length === 0 && !writing,
    stop(): void {
      stopped = true;
    },
    verify: (input: Parameters<typeof verifyDecision>[0]): Promise<VerifyDecisionResult> =>
      verifyDecision(input),
  };
}

/** Reads the worker's governance settings once, at the run's start (recorded in history). */
export const loadSettings = (): Promise<GovernanceSettings> => loadGovernance();

/** An approver set as the gate keeps it, or undefined when anyone may decide. */
export function approversOf(settings: Approval): Approvers | undefined {
  const a = settings.approvers;
  if (!a) return undefined;
  return { roles: [...a.roles], users: [...a.users] };
}

/** Approvers in words: `roles lead (alice, bob); users dave`. */
export function describeApprovers(approvers: Approvers, names: (a: Approvers) => string[]): string {
  const parts = [
    ...(approvers.roles.length ? [`roles ${approvers.roles.join(', ')}`] : []),
    ...(approvers.users.length ? [`users ${approvers.users.join(', ')}`] : []),
  ];
  const people = names(approvers);
  return `${parts.join('; ')} (${people.length ? people.join(', ') : "nobody, with the worker's roles"})`;
}

/**
 * Roles a definition's gates name that the worker's config does not define: nobody could decide
 * such a gate, so the run fails at its start instead of waiting for ever.
 */
export function unknownRoles(definition: Definition, settings: GovernanceSettings): Problem[] {
  const known = Object.keys(settings.roles);
  const problems: Problem[] = [];
  for (const phase of definition.phases) {
    const gate = gateOf(phase);
    const sets: [string, Approvers | undefined][] = [
      ['approvers', gate?.approvers],
      ['escalate.to', gate?.escalate?.to],
    ];
    for (const [where, set] of sets) {
      for (const role of set?.roles ?? []) {
        if (settings.roles[role]) continue;
        problems.push({
          path: `phases[${phase.id}].approval.${where}.roles`,
          message: `role "${role}" is not defined in the worker's config (${known.length ? `roles there: ${known.join(', ')}` : 'it defines no roles'}); add it under roles in baton.config.yaml, or name users instead`,
        });
      }
    }
  }
  return problems;
}

/** A decision the run made itself (auto, timeout, policy) as its audit record. */
export function auditOf(decision: DecisionRecord, signature: 'verified' | 'off', digest?: string) {
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
