import { activityInfo, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  LOCK_DEFAULTS,
  LOCK_WORKFLOW_TYPE,
  LockHolderOpenInputSchema,
  lockRequestSignal,
  lockWorkflowId,
  RequestLockInputSchema,
  type LockHolderOpenInput,
  type LockStateInput,
  type RequestLockInput,
} from '../shared/lock-contract';

/** The settings a lock this worker starts runs with (tests shorten them). */
export interface LockActivityDeps {
  /** How often a lock with waiters checks its holder is still open. */
  holderCheckMs?: number;
  /** Grants per run of the lock before it continues as new. */
  grantsPerRun?: number;
}

/**
 * The lock activities, run with the worker's own client. A lock workflow runs on the task queue of
 * the owner that started it, so every Baton worker serves both sides.
 */
export function createLockActivities(settings: LockActivityDeps = {}) {
  const holderCheckMs = settings.holderCheckMs ?? LOCK_DEFAULTS.holderCheckMs;
  const grantsPerRun = settings.grantsPerRun ?? LOCK_DEFAULTS.grantsPerRun;
  return {
    /**
     * Queues the request at the resource's lock workflow, starting it when no run of it is open.
     * Safe to retry: the lock ignores a request id it already has.
     */
    async requestLock(raw: RequestLockInput): Promise<void> {
      const { resource, ...request } = RequestLockInputSchema.parse(raw);
      const initial: LockStateInput = { resource, holderCheckMs, grantsPerRun };
      await Context.current().client.workflow.signalWithStart(LOCK_WORKFLOW_TYPE, {
        workflowId: lockWorkflowId(resource),
        taskQueue: activityInfo().taskQueue,
        args: [initial],
        signal: lockRequestSignal,
        signalArgs: [request],
        staticSummary: `Lock ${resource}`,
      });
    },
    /** False once the owner's run has closed (completed, failed, terminated, continued as new). */
    async lockHolderOpen(raw: LockHolderOpenInput): Promise<boolean> {
      const { owner, ownerRunId } = LockHolderOpenInputSchema.parse(raw);
      try {
        const { status } = await Context.current().client.workflow.getHandle(owner, ownerRunId).describe();
        return status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  };
}
