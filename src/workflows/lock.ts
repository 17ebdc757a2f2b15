/**
 * The `resourceLock` workflow: the standard Temporal mutex. One workflow per resource
 * (`baton-lock:<resource>`), reached by signal-with-start from activity `requestLock`, so every run
 * that names the resource queues at the same place. It grants in arrival order by signalling the
 * owner, and completes once it is free with nobody waiting.
 *
 * Why nothing is lost when it ends: it returns only from a workflow task in which it is idle, and
 * re-checks after the last handler; a request that reaches the server while that task runs makes
 * the server refuse the completion and deliver the request in a new task (the loop then goes on);
 * one that comes after the completion starts a fresh run (signal-with-start), free and empty.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  LockReleaseSchema,
  LockRequestSchema,
  LockStateSchema,
  lockGrantedSignal,
  lockReleaseSignal,
  lockRequestSignal,
  lockStateQuery,
  type LockRequest,
  type LockState,
  type LockStateInput,
} from '../shared/lock-contract';

/** Past this many history events in one run (or its `grantsPerRun` grants), the lock continues as new. */
const EVENTS_PER_RUN = 2_000;

const { lockHolderOpen } = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3 },
});

export async function resourceLock(input: LockStateInput): Promise<LockState> {
  const lock = createLockState(LockStateSchema.parse(input));
  setHandler(lockRequestSignal, (raw) => lock.request(raw));
  setHandler(lockReleaseSignal, (raw) => lock.release(raw));
  setHandler(lockStateQuery, () => lock.state);
  const grantsAtStart = lock.state.grants;

  for (;;) {
    const next = lock.grantNext();
    if (next) {
      // An owner that has closed cannot take it (nor ever release it): skip to the next.
      if (await signalOwner(lock.state.resource, next)) lock.state.grants++;
      else lock.free(next.request);
      continue;
    }
    if (lock.idle()) {
      // Handlers are synchronous today; waiting for them keeps the drain right if one ever awaits.
      await condition(allHandlersFinished);
      if (lock.idle()) return lock.state;
      continue;
    }
    const info = workflowInfo();
    if (
      lock.state.grants - grantsAtStart >= lock.state.grantsPerRun ||
      info.historyLength >= EVENTS_PER_RUN ||
      info.continueAsNewSuggested
    ) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof resourceLock>(lock.state);
    }
    // Held: wait for the release. With waiters, look now and then whether the holder's run is
    // still open; a terminated run never releases, and its lock must not stay taken for ever.
    const holder = lock.state.holder;
    const waiting = lock.state.queue.length > 0;
    const woken = await condition(
      () => lock.state.holder !== holder || lock.state.queue.length > 0 !== waiting,
      waiting ? lock.state.holderCheckMs : undefined,
    );
    if (!woken && holder && !(await holderOpen(holder))) {
      log.warn('Lock holder closed without releasing; freeing the lock', { ...holder });
      lock.free(holder.request);
    }
  }
}

/** The lock's one state object: the holder, the queue, and the three ways they change. */
function createLockState(state: LockState) {
  const known = (request: string) =>
    state.holder?.request === request || state.queue.some((r) => r.request === request);
  return {
    state,
    /** Queues a request; one already held or queued is a retry and changes nothing. */
    request(raw: unknown) {
      const parsed = LockRequestSchema.safeParse(raw);
      if (!parsed.success) return log.warn('Ignoring a malformed lock request', { raw });
      if (!known(parsed.data.request)) state.queue.push(parsed.data);
    },
    /** Frees the lock if the request holds it, withdraws it if queued, ignores it otherwise. */
    release(raw: unknown) {
      const parsed = LockReleaseSchema.safeParse(raw);
      if (parsed.success) this.free(parsed.data.request);
    },
    free(request: string) {
      if (state.holder?.request === request) state.holder = undefined;
      else state.queue = state.queue.filter((r) => r.request !== request);
    },
    /** When free, makes the first waiter the holder and returns it. */
    grantNext(): LockRequest | undefined {
      if (state.holder) return undefined;
      state.holder = state.queue.shift();
      return state.holder;
    },
    idle: () => !state.holder && state.queue.length === 0,
  };
}

/** Tells the owner the lock is its own; false when the owner's run has closed. */
async function signalOwner(resource: string, to: LockRequest): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(to.owner, to.ownerRunId).signal(lockGrantedSignal, {
      resource,
      request: to.request,
    });
    return true;
  } catch (error) {
    log.warn('Lock owner could not be signalled; granting the next', { ...to, error: String(error) });
    return false;
  }
}

/** Whether the holder's run is open; when it cannot tell, it assumes so (never frees on doubt). */
async function holderOpen(holder: LockRequest): Promise<boolean> {
  try {
    return await lockHolderOpen({ owner: holder.owner, ownerRunId: holder.ownerRunId });
  } catch {
    return true;
  }
}
