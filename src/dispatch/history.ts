/**
 * What past runs say, read from Temporal's visibility and histories (no database): per template,
 * the phase medians of its last completed `pipeline` runs (the ETA's `phaseMedians`, issue 11); and
 * per template the dispatcher chose, how many of those dispatches completed (the `BatonDispatch`
 * search attribute and the run's status). Read by the analysis activity and by the CLI.
 */
import type { Client } from '@temporalio/client';
import { phaseMedians } from '../client/monitor/eta';
import { median } from '../client/monitor/durations';
import { DISPATCH_WORKFLOW_TYPE } from './decision';
import { BatonDispatch } from '../shared/search-attributes';
import type { RunSummary } from '../shared/status';
import type { TemplateHistory } from './estimate';
import type { SuccessRates } from './templates';

const SAFE_NAME = /^[A-Za-z0-9_.+-]+$/;
/** Completed runs per template the medians come from, as the ETA's default. */
const RUNS_PER_TEMPLATE = 10;
const DISPATCHES_READ = 500;

/** The medians of the last completed runs of each template (templates with none are left out). */
export async function templateHistories(
  client: Client,
  templates: readonly string[],
): Promise<Record<string, TemplateHistory>> {
  const out: Record<string, TemplateHistory> = {};
  for (const template of templates.filter((t) => SAFE_NAME.test(t))) {
    const summaries: RunSummary[] = [];
    const query = `WorkflowType = 'pipeline' AND BatonTemplate = '${template}' AND ExecutionStatus = 'Completed'`;
    for await (const info of client.workflow.list({ query, pageSize: RUNS_PER_TEMPLATE })) {
      const summary = (await client.workflow
        .getHandle(info.workflowId, info.runId)
        .result()
        .catch(() => undefined)) as RunSummary | undefined;
      if (summary && Array.isArray(summary.phases) && summary.state === 'completed') summaries.push(summary);
      if (summaries.length >= RUNS_PER_TEMPLATE) break;
    }
    if (summaries.length === 0) continue;
    const tokens = summaries.map((s) => s.usage.inputTokens + s.usage.outputTokens);
    out[template] = {
      medians: phaseMedians(summaries),
      basedOnRuns: summaries.length,
      tokens: median(tokens),
      costUsd: median(summaries.map((s) => s.usage.costUsd)),
    };
  }
  return out;
}

/** The template a `BatonDispatch` value names (`template:sdlc` → sdlc; composed → composed). */
export const templateOfTag = (tag: string): string => tag.slice(tag.indexOf(':') + 1);

/**
 * Per chosen template, the dispatches that ended and how many completed (a run rejected at a gate
 * also completes, and counts: the template ran as asked). Running dispatches are not counted.
 */
export async function dispatchSuccessRates(
  client: Client,
  { limit = DISPATCHES_READ, since }: { limit?: number; since?: Date } = {},
): Promise<SuccessRates> {
  const rates: SuccessRates = {};
  let read = 0;
  const query = `WorkflowType = '${DISPATCH_WORKFLOW_TYPE}' AND ExecutionStatus != 'Running'${since ? ` AND StartTime > '${since.toISOString()}'` : ''}`;
  for await (const info of client.workflow.list({ query, pageSize: 100 })) {
    if (++read > limit) break;
    const tag = info.typedSearchAttributes.get(BatonDispatch);
    if (!tag) continue;
    const name = templateOfTag(tag);
    const entry = (rates[name] ??= { runs: 0, completed: 0 });
    entry.runs += 1;
    if (info.status.name === 'COMPLETED') entry.completed += 1;
  }
  for (const entry of Object.values(rates))
    entry.rate = entry.runs ? entry.completed / entry.runs : undefined;
  return rates;
}
