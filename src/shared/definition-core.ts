/** The parts of a definition that the phase kinds share; sandbox-safe. */
import { z } from 'zod';

/** A duration: milliseconds, or a string like `30s`. Checked in detail by `validateDefinition`. */
export const DurationSchema = z.union([z.string(), z.number()]);

/** Who may decide a gate: users by name, and roles the worker's config maps to users. */
export const ApproversSchema = z
  .object({
    roles: z.array(z.string()).max(50).default([]),
    users: z.array(z.string()).max(200).default([]),
  })
  .strict();
export type Approvers = z.infer<typeof ApproversSchema>;

export const ON_TIMEOUT = ['reject', 'approve', 'escalate'] as const;

export const ApprovalSchema = z
  .object({
    /** How long the gate waits for a human; without it the gate waits for ever. */
    timeout: DurationSchema.optional(),
    /** What happens at `timeout`: `escalate` widens the approvers to `escalate.to` and waits on. */
    onTimeout: z.enum(ON_TIMEOUT).default('reject'),
    /** What the human should check, shown in `status` and `inbox`. */
    instructions: z.string().optional(),
    /** Who may decide; without it anyone may (as before). */
    approvers: ApproversSchema.optional(),
    /** How many different allowed people must approve (2: the two-person rule). */
    minApprovals: z.number().int().min(1).max(10).optional(),
    /** Notify the approvers again this often while the gate is open. */
    remind: DurationSchema.optional(),
    /** After `after`, `to` may decide too, and is notified. */
    escalate: z.object({ after: DurationSchema.optional(), to: ApproversSchema }).strict().optional(),
    /** A CEL expression over `phases`, `params` and `gate`: true approves as `baton:policy`. */
    autoApprove: z.object({ when: z.string() }).strict().optional(),
  })
  .strict();
export type Approval = z.infer<typeof ApprovalSchema>;

/** Phase ids (and task ids): they become branch names and gate ids. */
export const PHASE_ID = /^[a-z][a-z0-9_-]*$/i;
