import type { WorkflowExecutionInfo } from '@temporalio/client';
import { hasControlChars } from '../shared/limits';
import { WORKFLOW_TYPE } from '../shared/messages';
import { BatonPendingGates, BatonProgress, BatonTemplate } from '../shared/search-attributes';
import type { RunSummary } from '../shared/status';
import type { RunListing, RunListState, RunsInput } from './api-schemas';
import type { Baton } from './connect';
import { BatonError } from './errors';

/** Each state as Temporal's visibility knows it (a rejected run completed normally). */
const VISIBILITY_STATUS = {
  running: 'Running',
  waiting: 'Running',
  completed: 'Completed',
  rejected: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
} as const satisfies Record<RunListState, string>;

const SHOWN_STATE: Partial<Record<WorkflowExecutionInfo['status']['name'], RunListState>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed-out',
};

/** Runs looked at, at most, to fill a page that a client-side filter (rejected/completed) thins. */
const MAX_SCANNED = 1000;

export type RunListOptions = RunsInput;

function visibilityQuery(options: RunListOptions): string {
  const clauses = [`WorkflowType = "${WORKFLOW_TYPE}"`];
  if (options.state) {
    clauses.push(`ExecutionStatus = "${VISIBILITY_STATUS[options.state]}"`);
    if (options.state === 'waiting') clauses.push('BatonPendingGates IS NOT NULL');
  }
  if (options.template !== undefined) {
    // Quotes or control characters could change the query; no template name holds them.
    if (/["'\\`]/.test(options.template) || hasControlChars(options.template))
      throw new BatonError(
        `--template ${JSON.stringify(options.template)} cannot hold quotes, backslashes or control characters`,
      );
    clauses.push(`BatonTemplate = "${options.template}"`);
  }
  return clauses.join(' AND ');
}

/**
 * Recent `pipeline` runs from Temporal's visibility store (search attributes: no worker needed),
 * open runs first. A completed run's summary is read from history, to tell a rejection apart.
 */
export async function listRuns(baton: Baton, options: RunListOptions = {}): Promise<RunListing[]> {
  const limit = options.limit ?? 20;
  const query = visibilityQuery(options);
  const found: RunListing[] = [];
  let scanned = 0;
  for await (const run of baton.client.workflow.list({ query, pageSize: Math.min(limit * 2, 100) })) {
    const listing = await listingOf(baton, run);
    if (!options.state || options.state === 'running' || listing.state === options.state) found.push(listing);
    if (found.length >= limit || ++scanned >= MAX_SCANNED) break;
  }
  return found;
}

async function listingOf(baton: Baton, run: WorkflowExecutionInfo): Promise<RunListing> {
  const pendingGates = run.typedSearchAttributes.get(BatonPendingGates) ?? [];
  let state: RunListState = SHOWN_STATE[run.status.name] ?? (pendingGates.length ? 'waiting' : 'running');
  if (state === 'completed') {
    const summary = (await baton.client.workflow
      .getHandle(run.workflowId, run.runId)
      .result()
      .catch(() => undefined)) as RunSummary | undefined;
    if (summary?.state === 'rejected') state = 'rejected';
  }
  return {
    workflowId: run.workflowId,
    template: run.typedSearchAttributes.get(BatonTemplate),
    state,
    startTime: run.startTime.toISOString(),
    ...(run.closeTime ? { closeTime: run.closeTime.toISOString() } : {}),
    pendingGates,
    progress: run.typedSearchAttributes.get(BatonProgress),
  };
}
