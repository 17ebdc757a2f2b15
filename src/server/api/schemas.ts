/**
 * The REST API's request and response shapes, as zod schemas: the routes parse with them, and
 * /api/openapi.json is generated from them (z.toJSONSchema), so the document cannot drift.
 */
import { z } from 'zod';
import { RUN_LIST_STATES } from '../../client/api-schemas';
import { HEX64 } from '../../shared/governance';
import { DECISION_ACTIONS } from '../../shared/messages';

const Params = z.record(z.string(), z.unknown()).meta({ description: 'template params by name' });

export const RunsQuerySchema = z.strictObject({
  state: z.enum(RUN_LIST_STATES, { error: `state is one of ${RUN_LIST_STATES.join(', ')}` }).optional(),
  template: z.string().min(1).optional(),
  'has-open-gate': z
    .enum(['true', 'false'], { error: 'has-open-gate is true or false' })
    .optional()
    .meta({ description: 'only runs with (true) or without (false) an open gate' }),
  limit: z.coerce
    .number({ error: 'limit is a whole number 1-1000' })
    .int({ error: 'limit is a whole number 1-1000' })
    .min(1, { error: 'limit is a whole number 1-1000' })
    .max(1000, { error: 'limit is a whole number 1-1000' })
    .optional(),
});

/** Starting a run over HTTP: a template (or a definition object) and params. No server paths. */
export const StartBodySchema = z
  .strictObject({
    template: z.string().min(1).optional().meta({ description: 'a template name (GET /api/templates)' }),
    definition: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'a pipeline definition object' }),
    params: Params.optional(),
    id: z.string().min(1).max(200).optional().meta({ description: 'the run id; generated when omitted' }),
    approvalMode: z.enum(['manual', 'auto']).optional(),
  })
  .refine((b) => (b.template === undefined) !== (b.definition === undefined), {
    error: 'give exactly one of template or definition',
    path: ['template'],
  });

export const DecisionBodySchema = z
  .strictObject({
    gate: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'the gate id, such as spec#1 (GET /api/runs/{id} shows them)' }),
    phase: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'instead of gate: the phase whose gate is open' }),
    action: z.enum(DECISION_ACTIONS, { error: `action is one of ${DECISION_ACTIONS.join(', ')}` }),
    comment: z.string().max(4000).optional(),
    changes: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'for modify: merged into the phase input' }),
  })
  .refine((b) => b.gate !== undefined || b.phase !== undefined, {
    error: 'give gate (such as "spec#1") or phase',
    path: ['gate'],
  });

export const Sha256ParamSchema = z
  .string()
  .regex(HEX64, { error: 'an artifact is named by its sha256: 64 lower-case hex digits' });

export const ErrorSchema = z.object({
  error: z.string(),
  hint: z.string().optional(),
  problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

const Loose = (description: string) => z.looseObject({}).meta({ description });

export const Responses = {
  RunListing: z.array(Loose('a run: workflowId, template, state, startTime, pendingGates, progress')),
  StartResult: z.object({ workflowId: z.string(), firstRunId: z.string(), params: Params }),
  RunStatus: Loose('the run status (src/shared/status.ts RunStatus): phases, gates, decisions, usage…'),
  Decided: z.object({
    outcome: z.literal('decided'),
    gate: z.string(),
    phase: z.string(),
    action: z.enum(DECISION_ACTIONS),
    by: z.string(),
    signed: z.boolean(),
  }),
  AlreadyDecided: z.object({
    error: z.string(),
    outcome: z.literal('already-decided'),
    gate: z.string(),
    decision: Loose('the decision taken'),
  }),
  Cancelled: z.object({ cancelled: z.literal(true), id: z.string() }),
  Inbox: z.array(Loose('an open gate: workflowId, template, phase, kind, openedAt, instructions')),
  Templates: z.array(Loose('a template: name, description, phases, params')),
};
