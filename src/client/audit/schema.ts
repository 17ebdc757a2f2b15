/**
 * The audit's JSON form (`baton audit --format json`, the client API's `audit`): one report for one
 * run or for every run since a time, with one entry per event in history order. Documented with an
 * example in docs/audit.md; CSV and the table are renderings of these entries.
 */
import { z } from 'zod';
import { ApproversSchema } from '../../shared/definition-core';

const Base = {
  /** When it happened (ISO 8601, UTC): the event's time, or the run's own time for its records. */
  at: z.string(),
  /** The workflow id of the audited run (a parallel task's entries carry their parent run's id). */
  run: z.string(),
};
const Gate = { phase: z.string(), gate: z.string() };
/** A phase attempt: a parallel task's attempts name the task, and the child workflow that ran it. */
const Attempt = {
  phase: z.string(),
  task: z.string().optional(),
  workflow: z.string().optional(),
  agent: z.string().optional(),
  /** Which run of the phase (a gate's retry or modify runs it again). */
  phaseRun: z.number().optional(),
  /** The activity attempt (retries by policy count up). */
  attempt: z.number().optional(),
};

export const SIGNATURES = ['verified', 'off', 'unknown'] as const;
export const DECISION_VIAS = ['signal', 'update', 'auto', 'timeout', 'policy'] as const;
export const RUN_OUTCOMES = [
  'completed',
  'rejected',
  'failed',
  'cancelled',
  'terminated',
  'timed-out',
  'continued-as-new',
] as const;

export const AuditEntrySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run-started'),
    ...Base,
    /** The identity of the client that started the run (Temporal's `identity`, e.g. `pid@host`). */
    by: z.string().optional(),
    template: z.string().optional(),
    definition: z.string().optional(),
    /** The names of the params the run got; values are left out (they may be sensitive). */
    params: z.array(z.string()),
    approvalMode: z.string().optional(),
  }),
  z.object({
    type: z.literal('run-ended'),
    ...Base,
    outcome: z.enum(RUN_OUTCOMES),
    reason: z.string().optional(),
  }),
  /** A run of a phase (or of a task) was scheduled. */
  z.object({ type: z.literal('phase-started'), ...Base, ...Attempt }),
  /** The attempt that finally ran came after failed ones; `reason` is the last failure. */
  z.object({ type: z.literal('phase-retry'), ...Base, ...Attempt, reason: z.string() }),
  z.object({ type: z.literal('phase-ended'), ...Base, ...Attempt }),
  z.object({
    type: z.literal('phase-failed'),
    ...Base,
    ...Attempt,
    reason: z.string(),
    /** `failed`, `timed-out` or `cancelled`. */
    how: z.enum(['failed', 'timed-out', 'cancelled']),
  }),
  /** The run's governance settings (recorded once, at its start). */
  z.object({
    type: z.literal('governance'),
    ...Base,
    rolesDigest: z.string(),
    signedDecisions: z.boolean(),
  }),
  z.object({
    type: z.literal('gate-opened'),
    ...Base,
    phase: z.string(),
    /** Absent for runs from before gate records (their gates are seen in search attributes only). */
    gate: z.string().optional(),
    kind: z.string().optional(),
    /** sha256 of what the gate showed: what an approval approved. */
    digest: z.string().optional(),
    approvers: ApproversSchema.optional(),
    minApprovals: z.number().optional(),
    deadline: z.string().optional(),
  }),
  /** A decision the run took, from its own record. */
  z.object({
    type: z.literal('decision'),
    ...Base,
    ...Gate,
    by: z.string(),
    role: z.string().optional(),
    action: z.string(),
    comment: z.string().optional(),
    digest: z.string().optional(),
    signature: z.enum(SIGNATURES),
    keyId: z.string().optional(),
    via: z.enum(DECISION_VIAS),
    changes: z.record(z.string(), z.unknown()).optional(),
    /** Counted toward `minApprovals` (`count` of `needed`); the gate stayed open. */
    counted: z.object({ count: z.number(), needed: z.number() }).optional(),
    /** A `baton:policy` approval: the CEL expression and the values it read. */
    policy: z.object({ when: z.string(), inputs: z.record(z.string(), z.unknown()) }).optional(),
  }),
  /**
   * Runs from before audit records: a decision the run received (an `approval` signal or a `decide`
   * update). Whether it was applied is known for updates (their answer is in history), not for signals.
   */
  z.object({
    type: z.literal('decision-received'),
    ...Base,
    phase: z.string().optional(),
    gate: z.string().optional(),
    by: z.string().optional(),
    action: z.string().optional(),
    comment: z.string().optional(),
    digest: z.string().optional(),
    signature: z.literal('unknown'),
    via: z.enum(['signal', 'update']),
    applied: z.union([z.boolean(), z.literal('unknown')]),
    /** Why an update was refused by the run's handler. */
    reason: z.string().optional(),
  }),
  z.object({
    type: z.literal('ignored'),
    ...Base,
    phase: z.string().optional(),
    gate: z.string().optional(),
    by: z.string().optional(),
    action: z.string().optional(),
    via: z.enum(['signal', 'update']),
    reason: z.string(),
  }),
  z.object({ type: z.literal('reminder'), ...Base, ...Gate, n: z.number(), notified: z.array(z.string()) }),
  z.object({
    type: z.literal('escalation'),
    ...Base,
    ...Gate,
    to: ApproversSchema,
    notified: z.array(z.string()),
  }),
  /** A gate's timeout fired; `action` is what the run did (`reject`, `approve`, `escalate`). */
  z.object({
    type: z.literal('timeout'),
    ...Base,
    phase: z.string().optional(),
    gate: z.string().optional(),
    action: z.string().optional(),
  }),
  z.object({
    type: z.literal('policy-error'),
    ...Base,
    ...Gate,
    when: z.string(),
    reason: z.string(),
  }),
]);
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type AuditEntryType = AuditEntry['type'];

export const AuditRunSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  template: z.string().optional(),
  /** True when the run had the run's own audit records; false for runs from before them. */
  recorded: z.boolean(),
  /** Audit records this client could not read (written by a newer Baton?); left out of `entries`. */
  unreadable: z.number().optional(),
});
export type AuditRun = z.infer<typeof AuditRunSchema>;

/** What `audit` returns: the runs it read, and their entries (per run, in history order). */
export const AuditReportSchema = z.object({
  /** `--since`: the time the report starts at (ISO 8601). */
  since: z.string().optional(),
  runs: z.array(AuditRunSchema),
  /** `--since`: true when more runs matched than `limit`; the oldest were left out. */
  truncated: z.boolean().optional(),
  entries: z.array(AuditEntrySchema),
});
export type AuditReport = z.infer<typeof AuditReportSchema>;
