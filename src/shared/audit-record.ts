/**
 * What a run writes into its own history for the audit, beyond the events Temporal records anyway
 * (activities, signals, updates, timers). The run passes a batch of these to the local activity
 * `recordAudit`, which returns them unchanged: the result lands in the history as the marker's
 * `result` payload, so `baton audit` reads them with no worker running. Sandbox-safe.
 */
import { z } from 'zod';
import { ApproversSchema } from './definition-core';

/** The local activity whose markers hold audit records (activity_type in the marker's `data`). */
export const RECORD_AUDIT_ACTIVITY = 'recordAudit';

const Base = { at: z.string() };
const GateRef = { gate: z.string(), phase: z.string() };

export const AuditRecordSchema = z.discriminatedUnion('type', [
  /** Once, at the start of a run: the settings that govern its gates. */
  z.object({
    type: z.literal('governance'),
    ...Base,
    rolesDigest: z.string(),
    signedDecisions: z.boolean(),
  }),
  /** A gate opened, showing what has this digest, to these approvers. */
  z.object({
    type: z.literal('gate-opened'),
    ...Base,
    ...GateRef,
    kind: z.string(),
    digest: z.string(),
    approvers: ApproversSchema.optional(),
    minApprovals: z.number().optional(),
    deadline: z.string().optional(),
  }),
  /**
   * A decision the run took (applied, or counted toward `minApprovals`). `via` is how it came;
   * `signature` is `verified` when the run checked its `sig`, `off` when signing is off.
   */
  z.object({
    type: z.literal('decision'),
    ...Base,
    ...GateRef,
    action: z.string(),
    by: z.string(),
    role: z.string().optional(),
    comment: z.string().optional(),
    digest: z.string().optional(),
    signature: z.enum(['verified', 'off']),
    keyId: z.string().optional(),
    signedAt: z.string().optional(),
    via: z.enum(['signal', 'update', 'auto', 'timeout', 'policy']),
    changes: z.record(z.string(), z.unknown()).optional(),
    /** Set when the approval was counted but the gate needs more: `count` of `needed`. */
    counted: z.object({ count: z.number(), needed: z.number() }).optional(),
    /** `baton:policy`: the CEL expression and the values it read. */
    policy: z.object({ when: z.string(), inputs: z.record(z.string(), z.unknown()) }).optional(),
  }),
  /** A decision the run did not take, with why (a refused update is not in history: it never ran). */
  z.object({
    type: z.literal('ignored'),
    ...Base,
    gate: z.string().optional(),
    phase: z.string().optional(),
    by: z.string().optional(),
    action: z.string().optional(),
    via: z.enum(['signal', 'update']),
    reason: z.string(),
  }),
  z.object({
    type: z.literal('reminder'),
    ...Base,
    ...GateRef,
    n: z.number(),
    notified: z.array(z.string()),
  }),
  z.object({
    type: z.literal('escalation'),
    ...Base,
    ...GateRef,
    to: ApproversSchema,
    notified: z.array(z.string()),
  }),
  /** The gate's timeout fired: `outcome` is the action taken, or `escalate`. */
  z.object({ type: z.literal('timeout'), ...Base, ...GateRef, outcome: z.string() }),
  /** A policy that could not decide (an evaluation error): the gate waits for a human. */
  z.object({ type: z.literal('policy-error'), ...Base, ...GateRef, when: z.string(), error: z.string() }),
]);
export type AuditRecord = z.infer<typeof AuditRecordSchema>;
