/**
 * Closed runs as the monitor reads them: visibility lists them (search attributes, no worker), and
 * each run's summary comes from the close event of its history. A run that failed carries its
 * summary in the failure's details; a cancelled or terminated one has none.
 */
import { WorkflowFailedError, type WorkflowExecutionInfo } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { hasControlChars } from '../../shared/limits';
import { WORKFLOW_TYPE } from '../../shared/messages';
import { BatonTemplate } from '../../shared/search-attributes';
import type { RunSummary } from '../../shared/status';
import type { Baton } from '../connect';
import { BatonError, batonCommand } from '../errors';

/** How visibility says a run ended (or that it runs). */
export type ExecutionState = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out';

const EXECUTION_STATE: Record<WorkflowExecutionInfo['status']['name'], ExecutionState> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed-out',
  CONTINUED_AS_NEW: 'completed',
  UNKNOWN: 'failed',
  PAUSED: 'running',
} as Record<WorkflowExecutionInfo['status']['name'], ExecutionState>;

export interface RunRecord {
  workflowId: string;
  runId: string;
  template?: string;
  execution: ExecutionState;
  startTime: string;
  closeTime?: string;
  /** The run's final status, from history; absent for a cancelled or terminated run. */
  summary?: RunSummary;
}

/** A template name as a visibility query may hold it, or a clear error. */
export function checkTemplate(template: string): string {
  if (!template || /["'\\`]/.test(template) || hasControlChars(template))
    throw new BatonError(
      `--template ${JSON.stringify(template.slice(0, 100))} is not a template name: it cannot be empty or hold quotes, backslashes or control characters`,
      { hint: `List the templates with \`${batonCommand('templates')}\`.` },
    );
  return template;
}

/** The visibility query for Baton runs, narrowed by clauses (each already safe). */
export function runsQuery(clauses: { template?: string; status?: string; since?: Date }): string {
  const parts = [`WorkflowType = '${WORKFLOW_TYPE}'`];
  if (clauses.template !== undefined) parts.push(`BatonTemplate = '${checkTemplate(clauses.template)}'`);
  if (clauses.status) parts.push(`ExecutionStatus = '${clauses.status}'`);
  if (clauses.since) parts.push(`StartTime > '${clauses.since.toISOString()}'`);
  return parts.join(' AND ');
}

/** A closed run's summary from its history, or undefined (cancelled, terminated, unreadable). */
async function summaryOf(baton: Baton, info: WorkflowExecutionInfo): Promise<RunSummary | undefined> {
  try {
    return (await baton.client.workflow.getHandle(info.workflowId, info.runId).result()) as RunSummary;
  } catch (error) {
    // A run whose phase failed ends with ApplicationFailure details [summary] (see pipeline.ts).
    const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
    const details = cause instanceof ApplicationFailure ? cause.details : undefined;
    const summary = details?.[0] as RunSummary | undefined;
    return summary && Array.isArray(summary.phases) ? summary : undefined;
  }
}

/** Runs `fn` over `items`, at most `limit` at a time: hundreds of history reads, not all at once. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return out;
}

/**
 * Up to `limit` runs matching `query`, newest first, each with its summary when it has closed.
 * `truncated` says that more matched.
 */
export async function readRuns(
  baton: Baton,
  query: string,
  limit: number,
): Promise<{ runs: RunRecord[]; truncated: boolean }> {
  const infos: WorkflowExecutionInfo[] = [];
  let truncated = false;
  for await (const info of baton.client.workflow.list({ query, pageSize: Math.min(limit + 1, 100) })) {
    if (infos.length >= limit) {
      truncated = true;
      break;
    }
    infos.push(info);
  }
  const runs = await mapLimited(infos, 8, async (info): Promise<RunRecord> => {
    const execution = EXECUTION_STATE[info.status.name] ?? 'failed';
    const summary = execution === 'running' ? undefined : await summaryOf(baton, info);
    return {
      workflowId: info.workflowId,
      runId: info.runId,
      template: info.typedSearchAttributes.get(BatonTemplate),
      execution,
      startTime: info.startTime.toISOString(),
      ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
      ...(summary ? { summary } : {}),
    };
  });
  return { runs, truncated };
}
