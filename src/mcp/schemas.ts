/**
 * The MCP tools' input and output schemas. Inputs are strict (a misspelt field is named, not
 * ignored) and every field is described: the description is what an agent reads in `tools/list`,
 * and what a failure quotes as the fix (src/mcp/explained.ts).
 */
import { z } from 'zod';
import { RUN_LIST_STATES, RunListingSchema, TemplateInfoSchema } from '../client/api-schemas';
import { ApprovalModeSchema } from '../shared/definition';
import { GATE_ID } from '../shared/gate-kinds';
import { DECISION_ACTIONS } from '../shared/messages';

/** The longest `start_workflow` waits with `wait: true`, in seconds. */
export const MAX_WAIT_SECONDS = 300;
export const DEFAULT_WAIT_SECONDS = 60;

const RunId = z.string().min(1).describe('the run id (workflowId) that start_workflow or list_runs gave');
const Sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'an artifact digest is 64 lowercase hex digits')
  .describe('the sha256 of the artifact (64 hex digits), as get_workflow_status lists it');

export const StartWorkflowInput = z.strictObject({
  template: z
    .string()
    .min(1)
    .optional()
    .describe('a template name from get_workflow_templates (give template or definition, not both)'),
  definition: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('a pipeline definition object { name, phases } instead of a template'),
  params: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe('the template\'s params by name (see get_workflow_templates), e.g. { "query": "x" }'),
  id: z.string().min(1).max(200).optional().describe('a run id of your choice; default: a generated one'),
  approvalMode: ApprovalModeSchema.optional().describe('manual (default): people decide the gates'),
  wait: z
    .boolean()
    .optional()
    .describe('true: answer when the run reaches a gate or ends (at most waitSeconds); default false'),
  waitSeconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(
      `with wait: how long to wait at most, 1 to ${MAX_WAIT_SECONDS} seconds (default ${DEFAULT_WAIT_SECONDS})`,
    ),
});

const GateRef = z.object({
  gate: z.string().describe('the gate id <phase>#<n>, as handle_approval takes it'),
  phase: z.string(),
  title: z.string().optional(),
});

/** What an agent reads of a run: its state, phases, open gates and decisions (no phase outputs). */
export const RunBriefSchema = z.object({
  workflowId: z.string(),
  template: z.string().optional(),
  state: z.string(),
  progress: z.object({ done: z.number(), total: z.number(), percent: z.number() }),
  phases: z.array(
    z.object({
      id: z.string(),
      state: z.string(),
      agent: z.string(),
      attempts: z.number(),
      artifacts: z.array(z.object({ name: z.string(), uri: z.string(), mediaType: z.string() })),
    }),
  ),
  openGates: z.array(GateRef.extend({ kind: z.string(), openedAt: z.string() })),
  decisions: z.array(
    z.object({
      gate: z.string().optional(),
      phase: z.string(),
      action: z.string(),
      by: z.string(),
      at: z.string(),
    }),
  ),
  reason: z.string().optional(),
});
export type RunBrief = z.infer<typeof RunBriefSchema>;

export const StartWorkflowOutput = z.object({
  workflowId: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  /** The first gate the run will wait on, in phase order; null when no phase has a gate. */
  firstGate: GateRef.nullable(),
  /** With `wait: true`: the run when it reached a gate or ended, or when the wait ran out. */
  status: RunBriefSchema.optional(),
  waited: z.enum(['gate', 'ended', 'timeout']).optional(),
});

export const RunRefInput = z.strictObject({ id: RunId });

export const ListRunsInput = z.strictObject({
  state: z
    .enum(RUN_LIST_STATES)
    .optional()
    .describe(`one of ${RUN_LIST_STATES.join(', ')}`),
  template: z.string().min(1).optional().describe('only runs of this template'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .describe('at most this many runs, 1 to 500 (default 50)'),
});
export const ListRunsOutput = z.object({ runs: z.array(RunListingSchema) });

export const TemplatesInput = z.strictObject({});
export const TemplatesOutput = z.object({ templates: z.array(TemplateInfoSchema) });

export const PendingInput = z.strictObject({
  id: RunId.optional().describe('only the gates of this run'),
  template: z.string().min(1).optional().describe('only the gates of runs of this template'),
});
export const PendingApproval = z.object({
  workflowId: z.string(),
  template: z.string().optional(),
  gate: z.string(),
  phase: z.string(),
  kind: z.string(),
  title: z.string(),
  openedAt: z.string(),
  deadline: z.string().optional(),
  instructions: z.string().optional(),
  approvers: z.array(z.string()).optional().describe('who may decide; absent: anyone'),
  mayDecide: z.boolean().describe('whether you (this session) may decide it'),
  actions: z.array(z.string()),
  /** What the gate shows: the phase output, a budget gate's reason, a conflict's sides… */
  shows: z.record(z.string(), z.unknown()),
  artifacts: z.array(z.object({ name: z.string(), uri: z.string() })),
  parent: z.string().optional(),
});
export const PendingOutput = z.object({ approvals: z.array(PendingApproval) });

export const HandleApprovalInput = z.strictObject({
  id: RunId,
  gate: z
    .string()
    .regex(GATE_ID, 'a gate id is <phase>#<n>, such as spec#1')
    .describe('the gate id <phase>#<n> from get_pending_approvals, such as spec#1'),
  action: z.enum(DECISION_ACTIONS).describe(`one of ${DECISION_ACTIONS.join(', ')}`),
  comment: z.string().max(2000).optional().describe('why, in a sentence (shown in the run)'),
  changes: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('with action modify: the phase input fields to change, e.g. { "endpoint": "/v2" }'),
});
export const HandleApprovalOutput = z.object({
  outcome: z.enum(['decided', 'already-decided']),
  workflowId: z.string(),
  gate: z.string(),
  action: z.string(),
  by: z.string(),
  at: z.string().optional(),
  comment: z.string().optional(),
});

export const ArtifactInput = z.strictObject({ sha256: Sha256 });
export const ArtifactOutput = z.object({
  uri: z.string().describe('the artifact as an MCP resource, baton://artifacts/<sha256>'),
  sha256: z.string(),
  bytes: z.number(),
  text: z.string().optional().describe('the content, when it is UTF-8 text'),
  base64: z.string().optional().describe('the content, when it is binary'),
});

export const DispatchInput = z.strictObject({
  request: z.string().min(1).max(4000).describe('what to do, in plain words'),
  context: z
    .record(z.string(), z.string())
    .optional()
    .describe('facts about the request; a key naming a param of the chosen template sets it'),
  autoApprove: z.boolean().optional().describe('approve every gate automatically, the plan gate too'),
  id: z.string().min(1).max(200).optional().describe('a run id of your choice'),
});
export const DispatchOutput = z.object({
  workflowId: z.string(),
  firstGate: GateRef.nullable().describe('the plan gate the dispatch waits on, unless autoApprove'),
});
