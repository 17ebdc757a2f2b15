import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { BudgetSchema } from './definition';
import type { RunStatus } from './status';

export const DECISION_ACTIONS = ['approve', 'modify', 'retry', 'skip', 'reject'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** The payload of signal `approval` and update `decide`. */
export const DecisionSchema = z.object({
  phase: z
    .string({ error: 'phase is required: the id of the phase whose gate is open' })
    .min(1, 'phase is required'),
  action: z.enum(DECISION_ACTIONS, {
    error: (issue) =>
      `action ${issue.input === undefined ? 'is required' : `${JSON.stringify(issue.input)} is not an action`}; use one of ${DECISION_ACTIONS.join(', ')}`,
  }),
  by: z
    .string({ error: 'by is required: who decides (a user id or name)' })
    .trim()
    .min(1, 'by is required: who decides (a user id or name)'),
  comment: z.string().optional(),
  /** For `modify`: merged into the phase input before it runs again. */
  changes: z.record(z.string(), z.unknown()).optional(),
});
export type Decision = z.infer<typeof DecisionSchema>;

/** The `changes` of a modify at a budget gate: a new run budget and/or a new budget for the phase. */
export const BudgetChangeSchema = z
  .object({ budget: BudgetSchema.optional(), phaseBudget: BudgetSchema.optional() })
  .strict()
  .refine((c) => c.budget !== undefined || c.phaseBudget !== undefined, 'give budget or phaseBudget');

/** What `decide` answers once the decision is accepted. */
export interface DecideResult {
  accepted: true;
  phase: string;
  action: DecisionAction;
}

export const approvalSignal = defineSignal<[Decision]>('approval');
export const decideUpdate = defineUpdate<DecideResult, [Decision]>('decide');
export const statusQuery = defineQuery<RunStatus>('status');

/** Names from the public contract, for tools that do not import this module. */
export const WORKFLOW_TYPE = 'pipeline';
export const DEFAULT_TASK_QUEUE = 'baton';
