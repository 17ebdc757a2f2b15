/**
 * The client side of `baton dispatch`: a dry run analyses here and starts nothing; otherwise the
 * `dispatch` workflow is started, and the worker does the analysis (an activity) and the run.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { loadConfig } from '../config';
import { DispatchError } from '../dispatch/analyze';
import { DISPATCH_WORKFLOW_TYPE, DispatchRequestSchema } from '../dispatch/decision';
import { dispatchSuccessRates } from '../dispatch/history';
import { analyzeLocally, type LocalAnalysis } from '../dispatch/local';
import type { SuccessRates } from '../dispatch/templates';
import { escapeControlChars } from '../shared/limits';
import type { Baton } from './connect';
import { BatonError } from './errors';
import { resolveRepoTarget } from './repo';
import { templatesDir } from './templates';

export interface DispatchOptions {
  request: string;
  context: Record<string, string>;
  repo?: string;
  autoApprove?: boolean;
  id?: string;
}

/** Checks the request before anything connects: the field, the value, the fix. */
export function checkDispatchRequest(options: Pick<DispatchOptions, 'request' | 'context'>) {
  const parsed = DispatchRequestSchema.safeParse({ request: options.request, context: options.context });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BatonError(
      `Dispatch ${issue?.path.join('.') || 'request'} ${JSON.stringify(String(options.request).slice(0, 60))}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** `--dry-run`: the decision (and definition) from the analysis on this machine. */
export async function dryRunDispatch(
  options: DispatchOptions,
  baton: Baton | undefined,
): Promise<LocalAnalysis> {
  const request = checkDispatchRequest(options);
  try {
    return await analyzeLocally(request, {
      templatesDir: templatesDir(),
      config: await loadConfig().catch(() => undefined),
      ...(baton ? { client: baton.client } : {}),
    });
  } catch (error) {
    if (error instanceof DispatchError)
      throw new BatonError(error.message, { cause: error, hint: error.hint });
    throw error;
  }
}

/** Starts the `dispatch` workflow; returns its id. */
export async function startDispatch(baton: Baton, options: DispatchOptions): Promise<{ workflowId: string }> {
  const request = checkDispatchRequest(options);
  const workflowId = options.id ?? `dispatch-${randomUUID().slice(0, 8)}`;
  const repo =
    options.repo !== undefined ? await resolveRepoTarget(options.repo, undefined, workflowId) : undefined;
  try {
    await baton.client.workflow.start(DISPATCH_WORKFLOW_TYPE, {
      taskQueue: baton.taskQueue,
      workflowId,
      args: [{ ...request, autoApprove: options.autoApprove ?? false, ...(repo ? { repo } : {}) }],
      staticSummary: `baton dispatch: ${request.request.slice(0, 200)}`,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      throw new BatonError(
        `A run with id "${escapeControlChars(workflowId)}" already exists; choose another --id.`,
        { cause: error },
      );
    throw error;
  }
  return { workflowId };
}

/** Success rate per chosen template, for `--explain` and `baton stats`. */
export const dispatchRates = (baton: Baton): Promise<SuccessRates> => dispatchSuccessRates(baton.client);
