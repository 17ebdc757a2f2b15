import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { escapeControlChars } from '../shared/limits';
import type { RunStatus, RunSummary } from '../shared/status';
import type { Baton } from './connect';
import {
  BatonError,
  NoWorkerError,
  RunEndedError,
  RunNotFoundError,
  temporalCommand,
  WorkflowTaskFailingError,
} from './errors';
import { queryStatus } from './status-query';

/** How a closed run ended, in Baton's words (a completed run may have been rejected at a gate). */
export type EndedState = 'completed' | 'rejected' | 'failed' | 'cancelled' | 'terminated' | 'timed out';

const CLOSED: Partial<Record<WorkflowExecutionDescription['status']['name'], EndedState>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed out',
};

/** History events read back from the end, at most, to find why the workflow task fails. */
const FAILURE_SCAN_EVENTS = 200;

export const handleOf = (baton: Baton, id: string): WorkflowHandle => baton.client.workflow.getHandle(id);

const isoSeconds = (date: Date | undefined) =>
  date?.toISOString().replace(/\.\d+Z$/, 'Z') ?? 'an unknown time';

/** Describes the run; an unknown id becomes RunNotFoundError. */
export async function describeRun(baton: Baton, id: string): Promise<WorkflowExecutionDescription> {
  try {
    return await handleOf(baton, id).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new RunNotFoundError(escapeControlChars(id), baton.namespace, { cause: error });
    throw error;
  }
}

/** How the run ended and when, or undefined while it runs. Read from history: no worker needed. */
export async function endedState(
  baton: Baton,
  id: string,
  description: WorkflowExecutionDescription,
): Promise<{ state: EndedState; at?: Date } | undefined> {
  const state = CLOSED[description.status.name];
  if (!state) return undefined;
  if (state !== 'completed') return { state, at: description.closeTime };
  // A run rejected at a gate completes normally; its summary says which it was.
  const summary = (await handleOf(baton, id)
    .result()
    .catch(() => undefined)) as RunSummary | undefined;
  return { state: summary?.state === 'rejected' ? 'rejected' : 'completed', at: description.closeTime };
}

/** Refuses to act on a closed run: says it has ended, how and when, and what `nothing` is left to do. */
export async function refuseEnded(
  baton: Baton,
  id: string,
  nothing: string,
  description?: WorkflowExecutionDescription,
): Promise<WorkflowExecutionDescription> {
  const described = description ?? (await describeRun(baton, id));
  const ended = await endedState(baton, id, described);
  if (ended)
    throw new RunEndedError(
      `Run "${escapeControlChars(id)}" has ended (${ended.state} at ${isoSeconds(ended.at)}); there is ${nothing}.`,
    );
  return described;
}

/**
 * Why the run's workflow task keeps failing, when it does: the server retries a failed workflow
 * task for ever, so such a run neither progresses nor ends, and only `terminate` stops it. Seen as
 * a pending workflow task past its first attempt whose latest outcome in history is a failure.
 */
export async function workflowTaskFailure(
  baton: Baton,
  id: string,
  description?: WorkflowExecutionDescription,
): Promise<{ attempt: number; message: string } | undefined> {
  const described = description ?? (await describeRun(baton, id));
  const attempt = described.raw.pendingWorkflowTask?.attempt ?? 0;
  if (described.status.name !== 'RUNNING' || attempt <= 1) return undefined;
  let nextPageToken: Uint8Array | undefined;
  for (let read = 0; read < FAILURE_SCAN_EVENTS;) {
    const page = await baton.client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: baton.namespace,
      execution: { workflowId: id, runId: described.runId },
      maximumPageSize: 50,
      nextPageToken,
    });
    const events = page.history?.events ?? [];
    for (const event of events) {
      if (event.workflowTaskCompletedEventAttributes || event.workflowTaskTimedOutEventAttributes)
        return undefined;
      const failed = event.workflowTaskFailedEventAttributes;
      if (failed) {
        const message = failed.failure?.message || `workflow task failed (cause ${String(failed.cause)})`;
        return { attempt, message: escapeControlChars(message.slice(0, 1000)) };
      }
    }
    read += events.length;
    if (!page.nextPageToken?.length || events.length === 0) return undefined;
    nextPageToken = page.nextPageToken;
  }
  return undefined;
}

const terminateHint = (id: string) =>
  `\`${temporalCommand(`workflow terminate --workflow-id ${escapeControlChars(id)} --reason "workflow task failing"`)}\``;

function taskFailingError(id: string, failure: { attempt: number; message: string }, lead: string) {
  return new WorkflowTaskFailingError(
    `${lead}: its workflow task is failing (attempt ${failure.attempt}): ${failure.message}\n` +
      `  The run can neither progress nor end by itself until its worker's code is fixed. To end it, terminate it:\n` +
      `    ${terminateHint(id)}`,
  );
}

/** A run's status from its `status` query, or an error that says why there is none. */
export async function getStatus(baton: Baton, id: string): Promise<RunStatus> {
  // Asked together: a run that failed before it started its phases (a bad definition, an agent
  // its worker lacks) answers with a status stuck at `running`, or does not answer at all.
  const [answer, description] = await Promise.all([
    queryStatus(baton, id).then(
      (status) => ({ status }),
      (error: unknown) => ({ error }),
    ),
    describeRun(baton, id),
  ]);
  const shown = escapeControlChars(id);
  // A failing task may still answer queries, from its last good state: that status would be stale.
  const failing = await workflowTaskFailure(baton, id, description);
  if (failing) throw taskFailingError(id, failing, `Run "${shown}" is stuck`);
  if (description.status.name === 'FAILED' && !('status' in answer && answer.status.state === 'failed')) {
    const failure = await handleOf(baton, id)
      .result()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const message =
      failure instanceof WorkflowFailedError
        ? (failure.cause?.message ?? failure.message)
        : (failure as Error | undefined)?.message;
    throw new BatonError(
      `Run "${shown}" failed before it started its phases: ${message ?? 'unknown failure'}`,
      { cause: failure },
    );
  }
  if ('error' in answer) {
    // A completed run's summary is its last status, and history holds it: no worker needed.
    if (answer.error instanceof NoWorkerError && description.status.name === 'COMPLETED') {
      const { outputs: _outputs, ...status } = (await handleOf(baton, id).result()) as RunSummary;
      return status;
    }
    if (answer.error instanceof WorkflowNotFoundError)
      throw new RunNotFoundError(shown, baton.namespace, { cause: answer.error });
    throw answer.error;
  }
  return answer.status;
}

/**
 * Cancels a running run. A closed run has nothing to cancel (RunEndedError). A run whose workflow
 * task is failing is still sent the cancellation, but it cannot act on it, so this then throws a
 * WorkflowTaskFailingError that says how to terminate it.
 */
export async function cancelRun(baton: Baton, id: string): Promise<void> {
  const description = await refuseEnded(baton, id, 'nothing to cancel');
  try {
    await handleOf(baton, id).cancel();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) await refuseEnded(baton, id, 'nothing to cancel');
    throw error;
  }
  const failing = await workflowTaskFailure(baton, id, description);
  if (failing)
    throw taskFailingError(
      id,
      failing,
      `Cancellation sent to run "${escapeControlChars(id)}", but the run cannot act on it`,
    );
}
