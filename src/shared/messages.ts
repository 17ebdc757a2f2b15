import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import {
  escapeControlChars,
  formatBytes,
  hasControlChars,
  jsonBytes,
  LIMITS,
  nestsDeeperThan,
  RESERVED_DECIDER,
} from './limits';
import type { RunStatus } from './status';
import { HEX64 } from './governance';
import type { MessageAck, RunMessage } from './validate-messaging';

export const DECISION_ACTIONS = ['approve', 'modify', 'retry', 'skip', 'reject'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** The payload of signal `approval` and update `decide`. */
export const DecisionSchema = z.object({
  phase: z
    .string({ error: 'phase is required: the id of the phase whose gate is open' })
    .min(1, 'phase is required'),
  /**
   * The gate decided (`<phase>#<n>`, as `status` shows it). Optional: without it the decision goes
   * to the phase's open gate; with it, a decision meant for a gate that has closed is refused.
   */
  gate: z
    .string()
    .max(2 * LIMITS.phaseIdChars + 11, 'gate is an id such as "spec#1"')
    .regex(
      /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)?#[1-9][0-9]{0,8}$/,
      'gate is an id such as "spec#1" (<phase>#<n>), or "implement.backend#1" for a task of a parallel phase',
    )
    .optional(),
  action: z.enum(DECISION_ACTIONS, {
    error: (issue) =>
      `action ${issue.input === undefined ? 'is required' : `${JSON.stringify(issue.input)} is not an action`}; use one of ${DECISION_ACTIONS.join(', ')}`,
  }),
  by: z
    .string({ error: 'by is required: who decides (a user id or name)' })
    .trim()
    .min(1, 'by is required: who decides (a user id or name)')
    .max(LIMITS.byChars, `by is at most ${LIMITS.byChars} characters`)
    .refine((by) => !hasControlChars(by), 'by cannot hold control characters (newlines, escape sequences)')
    .refine(
      (by) => !RESERVED_DECIDER.test(by),
      'by cannot start with "baton:": those names are reserved for the run itself',
    ),
  comment: z
    .string()
    .max(LIMITS.commentChars, `comment is at most ${LIMITS.commentChars} characters; put long text in a file`)
    .refine(
      (comment) => !hasControlChars(comment),
      'comment cannot hold control characters (newlines, escape sequences)',
    )
    .optional(),
  /** For `modify`: merged into the phase input before it runs again. */
  changes: z
    .record(z.string(), z.unknown())
    .superRefine((changes, ctx) => {
      // Depth first: measuring the size of a value nested 100,000 levels deep would overflow the stack.
      if (nestsDeeperThan(changes, LIMITS.nestingDepth)) {
        ctx.addIssue({
          code: 'custom',
          message: `changes nest deeper than ${LIMITS.nestingDepth} levels of objects and arrays`,
        });
      } else if (jsonBytes(changes) > LIMITS.changesBytes) {
        ctx.addIssue({
          code: 'custom',
          message: `changes are ${formatBytes(jsonBytes(changes))} as JSON; at most ${formatBytes(LIMITS.changesBytes)}`,
        });
      }
    })
    .optional(),
  /**
   * The digest (sha256, 64 hex digits) of the gate as its sender saw it in `status`. A decision
   * against a digest the gate no longer shows (the phase ran again) is refused.
   */
  digest: z
    .string()
    .regex(HEX64, 'digest is the sha256 the gate shows in status (64 lowercase hex digits)')
    .optional(),
  /**
   * When the sender signed the decision (ISO 8601); signed decisions carry it. It is the `at` of
   * the signed text (the record's own `at` is when the run took the decision).
   */
  signedAt: z.iso
    .datetime({
      offset: true,
      error: 'signedAt is when the decision was signed, ISO 8601 such as 2026-12-02T10:00:00Z',
    })
    .optional(),
  /** HMAC-SHA256 over `signingText` (docs/signing.md), 64 lowercase hex digits. */
  sig: z
    .string()
    .regex(
      HEX64,
      'sig is an HMAC-SHA256 as 64 lowercase hex digits; sign with the baton CLI or see docs/signing.md',
    )
    .optional(),
  /** Which of the signer's keys made `sig` (key rotation); without it every current key is tried. */
  keyId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'keyId is 1-64 letters, digits, ".", "_" or "-"')
    .optional(),
});
export type Decision = z.infer<typeof DecisionSchema>;

/**
 * What the run does to a decision that arrives by signal before checking it (a signal cannot be
 * refused, only ignored): control characters in `by` and `comment` are escaped (`\u000a`), and a
 * comment over the limit is cut, with a marker, instead of the whole decision being dropped. Each
 * change is listed in `sanitized`, kept on the decision record.
 */
export function sanitizeSignalDecision(payload: unknown): { payload: unknown; sanitized: string[] } {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    return { payload, sanitized: [] };
  const cleaned: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  const sanitized: string[] = [];
  const sent = typeof cleaned.comment === 'string' ? cleaned.comment.length : 0;
  for (const field of ['by', 'comment'] as const) {
    const value = cleaned[field];
    if (typeof value === 'string' && hasControlChars(value)) {
      cleaned[field] = escapeControlChars(value);
      sanitized.push(`control characters in ${field} escaped`);
    }
  }
  const comment = cleaned.comment;
  if (typeof comment === 'string' && comment.length > LIMITS.commentChars) {
    const marker = `… [truncated: ${sent} chars]`;
    cleaned.comment = comment.slice(0, LIMITS.commentChars - marker.length) + marker;
    sanitized.push(`comment truncated from ${sent} to ${LIMITS.commentChars} characters`);
  }
  return { payload: cleaned, sanitized };
}

/** A zod issue as `field: message`, unless the message already starts with the field's name. */
export function fieldMessage(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join('.');
  return field && !issue.message.startsWith(String(issue.path[0]))
    ? `${field}: ${issue.message}`
    : issue.message;
}

/** What `decide` answers once the decision is accepted. */
export interface DecideResult {
  accepted: true;
  phase: string;
  /** The gate the decision was applied to. */
  gate?: string;
  action: DecisionAction;
  /** At a gate with `minApprovals` > 1: the approvals it has so far, and how many it needs. */
  approvals?: { count: number; needed: number };
}

export const approvalSignal = defineSignal<[Decision]>('approval');
export const decideUpdate = defineUpdate<DecideResult, [Decision]>('decide');
export const statusQuery = defineQuery<RunStatus>('status');
/** Messaging between runs (docs/messaging.md): a message to a run, and its receiver's ack to a sending run. */
export const messageSignal = defineSignal<[RunMessage]>('message');
export const messageAckSignal = defineSignal<[MessageAck]>('messageAck');

/** Names from the public contract, for tools that do not import this module. */
export const WORKFLOW_TYPE = 'pipeline';
export const DEFAULT_TASK_QUEUE = 'baton';
