import { isGrpcCancelledError, isGrpcDeadlineError, isGrpcServiceError } from '@temporalio/client';
import { statusQuery } from '../shared/messages';
import { FINAL_RUN_STATES, type RunState, type RunStatus } from '../shared/status';
import type { Baton } from './connect';
import { escapeControlChars } from '../shared/limits';
import { batonCommand, NoWorkerError } from './errors';

/** Run states after which a run changes no more: watchers (`status --watch`, `baton dev`) stop there. */
export const FINAL_STATES = FINAL_RUN_STATES;

export const isFinalState = (state: RunState): boolean => FINAL_STATES.includes(state);

/**
 * The run's `status` query, bounded by a deadline. A query is answered by a worker, so with none
 * polling the server would hold it for 30 s and then fail with a bare "Failed to query Workflow".
 */
export async function queryStatus(
  baton: Baton,
  id: string,
  timeoutMs = baton.queryTimeoutMs,
): Promise<RunStatus> {
  try {
    return await baton.connection.withDeadline(Date.now() + timeoutMs, () =>
      baton.client.workflow.getHandle(id).query(statusQuery),
    );
  } catch (error) {
    if (noPollerRecently(error)) throw await unanswered(baton, id, { timeoutMs, polled: false }, error);
    // The server cancels a call whose deadline the client set, so either code means it ran out.
    if (isGrpcDeadlineError(error) || isGrpcCancelledError(error))
      throw await unanswered(baton, id, { timeoutMs }, error);
    throw error;
  }
}

/** The server's fast answer when a task queue had pollers but none lately (a worker stopped). */
function noPollerRecently(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    // 9 is FAILED_PRECONDITION.
    if (isGrpcServiceError(e) && e.code === 9 && /no poller/i.test(e.details)) return true;
  }
  return false;
}

/** Says why a run did not answer, from its task queue's pollers unless `polled` is known. */
async function unanswered(
  baton: Baton,
  id: string,
  { timeoutMs, polled }: { timeoutMs: number; polled?: boolean },
  cause: unknown,
): Promise<NoWorkerError> {
  const found = await baton.connection
    .withDeadline(Date.now() + 5_000, async () => {
      const { taskQueue } = await baton.client.workflow.getHandle(id).describe();
      if (polled !== undefined) return { taskQueue, polled };
      const { pollers } = await baton.client.workflowService.describeTaskQueue({
        namespace: baton.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW: queries go to workflow pollers
      });
      return { taskQueue, polled: (pollers ?? []).length > 0 };
    })
    .catch(() => undefined);
  const taskQueue = found?.taskQueue ?? baton.taskQueue;
  const shown = escapeControlChars(id);
  if (found?.polled) {
    return new NoWorkerError(
      `Run "${shown}" did not answer its status query within ${Math.round(timeoutMs / 1000)}s, though a worker polls task queue "${taskQueue}": it may be busy or stuck on this run. Check the worker's log, then try again.`,
      { cause, workerPolls: true },
    );
  }
  const env = taskQueue === baton.taskQueue ? '' : `BATON_TASK_QUEUE=${taskQueue} `;
  return new NoWorkerError(
    `Run "${shown}" did not answer its status query: no worker is polling task queue "${taskQueue}". Start one with \`${env}${batonCommand('worker')}\` (or \`npm start\`).`,
    { cause },
  );
}
