/** The parts of a definition that the phase kinds share; sandbox-safe. */
import { z } from 'zod';

/** A duration: milliseconds, or a string like `30s`. Checked in detail by `validateDefinition`. */
export const DurationSchema = z.union([z.string(), z.number()]);

export const ApprovalSchema = z
  .object({
    /** How long the gate waits for a human; without it the gate waits for ever. */
    timeout: DurationSchema.optional(),
    onTimeout: z.enum(['reject', 'approve']).default('reject'),
    /** What the human should check, shown in `status` and `inbox`. */
    instructions: z.string().optional(),
  })
  .strict();
export type Approval = z.infer<typeof ApprovalSchema>;

/** Phase ids (and task ids): they become branch names and gate ids. */
export const PHASE_ID = /^[a-z][a-z0-9_-]*$/i;
