import { z } from 'zod';
import { OpenedPullRequestSchema } from '../github/result';
import { ApprovalModeSchema, type Definition } from '../shared/definition';
import { DECISION_ACTIONS } from '../shared/messages';
import type { ArtifactRef, RunStatus, RunSummary } from '../shared/status';

/**
 * The client API's inputs and outputs, one schema each. Inputs are parsed at the API boundary
 * (src/client/api.ts), so a web console or an MCP server gets the same checks as the CLI; output
 * types are inferred from these schemas. Run statuses keep the shape src/shared/status.ts defines.
 */

const RunId = z.string().describe('workflow id of a run');
const ParamsIn = z.record(z.string(), z.unknown());
const ParamsOut = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

// ---- inputs ----

/** A definition from exactly one of: a template name, a definition file, a definition object. */
export const ValidateInputSchema = z.object({
  template: z.string().optional(),
  file: z.string().optional(),
  definition: z.unknown().optional(),
  params: ParamsIn.optional(),
  /** Agent names to check the definition against; when omitted, those of this machine's config. */
  agents: z.array(z.string()).readonly().optional(),
  /**
   * Don't check agent names here: the worker may run elsewhere with other agents. The run still
   * checks them against its worker first thing, and fails at once naming the unknown ones.
   */
  skipAgentCheck: z.boolean().optional(),
});
export type ValidateInput = z.input<typeof ValidateInputSchema>;

export const StartInputSchema = ValidateInputSchema.extend({
  id: z.string().optional(),
  approvalMode: ApprovalModeSchema.optional(),
  /** Work on this git repository (a path on this machine); the result is its branch `baton/<run id>`. */
  repo: z.string().min(1).optional(),
  /** With `repo`: the ref the run starts from; default `HEAD`. */
  base: z.string().min(1).optional(),
  /** Export the final tree into this directory (a path on this machine) when the run completes. */
  out: z.string().min(1).optional(),
  /** With `out`: write into a non-empty directory. */
  force: z.boolean().optional(),
});
export type StartInput = z.input<typeof StartInputSchema>;

export const RunRefSchema = z.object({ id: RunId });
export type RunRef = z.infer<typeof RunRefSchema>;

/** How the decision's fields are named in messages (the CLI names its flags). */
export const DecisionLabelsSchema = z.object({ by: z.string(), comment: z.string(), changes: z.string() });
export type DecisionLabels = z.infer<typeof DecisionLabelsSchema>;

export const DecideInputSchema = z.object({
  id: RunId,
  // Loose: the run validates the decision in full (and may know fields this client does not).
  decision: z.looseObject({
    phase: z.string(),
    action: z.enum(DECISION_ACTIONS),
    by: z.string(),
    comment: z.string().optional(),
    changes: z.record(z.string(), z.unknown()).optional(),
  }),
  /** The `approval` signal (default; the client then confirms the run took it) or the `decide` update. */
  via: z.enum(['update', 'signal']).optional(),
  /** With `via: 'signal'`: false sends without waiting for the run to take it. */
  confirm: z.boolean().optional(),
  timeoutMs: z.number().positive().optional(),
  labels: DecisionLabelsSchema.optional(),
});
export type DecideInput = z.input<typeof DecideInputSchema>;

/** The states `runs` filters on: `running` is every open run, `waiting` one at a gate. */
export const RUN_LIST_STATES = [
  'running',
  'waiting',
  'completed',
  'rejected',
  'failed',
  'cancelled',
  'terminated',
  'timed-out',
] as const;
export type RunListState = (typeof RUN_LIST_STATES)[number];

export const RunsInputSchema = z.object({
  state: z.enum(RUN_LIST_STATES).optional(),
  template: z.string().optional(),
  limit: z.number().int().positive().optional(),
});
export type RunsInput = z.input<typeof RunsInputSchema>;

export const ArtifactsInputSchema = z.object({ id: RunId, phase: z.string().optional() });
export type ArtifactsInput = z.input<typeof ArtifactsInputSchema>;

export const ArtifactInputSchema = z.object({ uri: z.string() });
export type ArtifactInput = z.input<typeof ArtifactInputSchema>;

export const WaitInputSchema = z.object({ id: RunId, stallCheckMs: z.number().positive().optional() });
export type WaitInput = z.input<typeof WaitInputSchema>;

/** `pr`: push a `--repo` run's branch and open (or find) its pull request. */
export const PrInputSchema = z.object({
  id: RunId,
  title: z.string().min(1).max(256).optional(),
  draft: z.boolean().optional(),
  /** The remote of the user's repository to push to and read the GitHub repository from (default `origin`). */
  remote: z.string().min(1).optional(),
  /** The branch to merge into (default: the repository's default branch on GitHub). */
  base: z.string().min(1).optional(),
});
export type PrInput = z.input<typeof PrInputSchema>;

/** `audit`: one run (`id`), or every run started `since` (a duration such as `7d`, or a date). */
export const AuditInputSchema = z
  .object({
    id: RunId.optional(),
    since: z.string().min(1).optional(),
    template: z.string().optional(),
    limit: z.number().int().positive().optional(),
  })
  .refine((a) => (a.id === undefined) !== (a.since === undefined), {
    error: 'give a run id or since (a duration such as 7d, or a date), exactly one of them',
  })
  .refine((a) => a.id === undefined || (a.template === undefined && a.limit === undefined), {
    error: 'template and limit go with since, not with a run id',
  });
export type AuditInput = z.input<typeof AuditInputSchema>;

// ---- outputs ----

export const RunStatusSchema = z.custom<RunStatus>((value) => typeof value === 'object' && value !== null);
export const RunSummarySchema = z.custom<RunSummary>((value) => typeof value === 'object' && value !== null);

export const StartResultSchema = z.object({
  workflowId: z.string(),
  firstRunId: z.string(),
  params: ParamsOut,
  /** `--repo`: where the run publishes its work (the branch appears when the run opens its workspace). */
  branch: z.object({ name: z.string(), repo: z.string(), commit: z.string() }).optional(),
  /** `--out`: where the final tree goes when the run completes. */
  out: z.string().optional(),
});
export type StartResult = z.infer<typeof StartResultSchema>;

export const ValidateResultSchema = z.object({
  valid: z.literal(true),
  definition: z.custom<Definition>(),
  params: ParamsOut,
  /** The start request's payload size in bytes (JSON). */
  bytes: z.number(),
});
export type ValidateResult = z.infer<typeof ValidateResultSchema>;

export const DecideOutcomeSchema = z.object({
  /** True once the run took it; 'sent' when sent as a signal without waiting (`confirm: false`). */
  accepted: z.union([z.literal(true), z.literal('sent')]),
  phase: z.string(),
  action: z.enum(DECISION_ACTIONS),
});
export type DecideOutcome = z.infer<typeof DecideOutcomeSchema>;

export const InboxItemSchema = z.object({
  workflowId: z.string(),
  template: z.string().optional(),
  phase: z.string(),
  /** The gate's kind (`approval`, `budget`, `conflict`, …), from the run's status. */
  kind: z.string().optional(),
  startTime: z.date(),
  openedAt: z.string().optional(),
  instructions: z.string().optional(),
  /** A child run's parent (a `pipeline` or `loop` phase started it): decide the gate here, on the child. */
  parent: z.string().optional(),
  /** Set when the run did not answer its status query (no worker?): only the search attributes are known. */
  unanswered: z.literal(true).optional(),
});
export type InboxItem = z.infer<typeof InboxItemSchema>;

export const RunListingSchema = z.object({
  workflowId: z.string(),
  template: z.string().optional(),
  state: z.enum(RUN_LIST_STATES),
  startTime: z.string(),
  closeTime: z.string().optional(),
  pendingGates: z.array(z.string()),
  /** Percent of phases finished, from the BatonProgress search attribute. */
  progress: z.number().optional(),
});
export type RunListing = z.infer<typeof RunListingSchema>;

export const ArtifactListingSchema = z.object({
  phase: z.string(),
  commit: z.string().optional(),
  artifact: z.custom<ArtifactRef>(),
});
export type ArtifactListing = z.infer<typeof ArtifactListingSchema>;

export const ArtifactContentSchema = z.object({
  uri: z.string(),
  bytes: z.custom<Uint8Array>((value) => value instanceof Uint8Array),
});
export type ArtifactContent = z.infer<typeof ArtifactContentSchema>;

/** A template param as `templates` shows it. */
export const TemplateParamSchema = z.object({
  type: z.string(),
  default: z.unknown().optional(),
  /** True when the run needs a value: no default, and not `required: false`. */
  required: z.boolean(),
  description: z.string().optional(),
  /** Other rules the param declares (pattern, enum, minLength, min, max, …), as written. */
  rules: z.record(z.string(), z.unknown()).optional(),
});
export type TemplateParam = z.infer<typeof TemplateParamSchema>;

export const TemplateInfoSchema = z.object({
  name: z.string(),
  path: z.string(),
  description: z.string(),
  phases: z.array(z.string()),
  params: z.record(z.string(), TemplateParamSchema),
});
export type TemplateInfo = z.infer<typeof TemplateInfoSchema>;

export { AuditReportSchema, type AuditReport } from './audit/schema';

export const PrResultSchema = OpenedPullRequestSchema;
export type PrResult = z.infer<typeof PrResultSchema>;
