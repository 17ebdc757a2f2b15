import {
  ApplicationFailure,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { dispatchTag } from '../dispatch/decision';
import { ApprovalModeSchema, type PipelineInput } from '../shared/definition';
import { BATON_FAILURES } from '../shared/failure-types';
import { statusQuery } from '../shared/messages';
import { RepoTargetSchema } from '../shared/repo-target';
import { BatonDispatch } from '../shared/search-attributes';
import type { RunStatus, RunSummary } from '../shared/status';
import { NO_USAGE } from '../shared/status';
import { z } from 'zod';
import { pipeline } from './pipeline';

/** The one argument of the `dispatch` workflow. */
export const DispatchInputSchema = z.object({
  request: z.string(),
  context: z.record(z.string(), z.string()).default({}),
  repo: RepoTargetSchema.optional(),
  /** Approve every gate of the run, the plan gate included (`--auto-approve`). */
  autoApprove: z.boolean().default(false),
});
export type DispatchInput = z.input<typeof DispatchInputSchema>;

const { analyzeDispatch } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['Agent.BadInput', 'Agent.BadOutput'] },
});

/** What `status` says while the request is being analysed: a run with no phases yet. */
function analysing(): RunStatus {
  return {
    name: 'dispatch',
    approvalMode: 'manual',
    state: 'running',
    startedAt: workflowInfo().startTime.toISOString(),
    phases: [],
    gates: [],
    progress: { done: 0, total: 0, percent: 0 },
    decisions: [],
    decisionsDropped: 0,
    ignoredSignals: [],
    usage: NO_USAGE,
    agentsWithoutLlm: [],
    reason: 'analysing the request',
  };
}

/**
 * The `dispatch` workflow: analyses a request in plain language (an activity), records the choice
 * in `BatonDispatch`, then runs the plan and the chosen pipeline in this same workflow, so the
 * whole request is one durable history with the `plan` gate first.
 */
export async function dispatch(raw: DispatchInput): Promise<RunSummary> {
  const input = DispatchInputSchema.safeParse(raw);
  if (!input.success) {
    throw ApplicationFailure.create({
      message: `Invalid dispatch input: ${input.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
      type: BATON_FAILURES.InvalidDefinition,
      nonRetryable: true,
    });
  }
  const { request, context, repo, autoApprove } = input.data;
  setHandler(statusQuery, analysing);
  // A --repo dispatch runs the chosen phases in this run: only the top run publishes the branch.
  const { decision, pipeline: plan } = await analyzeDispatch(
    { request, context },
    { flatten: repo !== undefined },
  );
  upsertSearchAttributes([{ key: BatonDispatch, value: dispatchTag(decision) }]);
  const run: PipelineInput = {
    definition: plan.definition,
    params: plan.params,
    approvalMode: ApprovalModeSchema.parse(autoApprove ? 'auto' : 'manual'),
    template: decision.template ?? 'composed',
    ...(repo ? { repo } : {}),
  };
  return pipeline(run);
}
