/**
 * The owner side of resource locks, for a workflow that takes them (the parallel executor). It asks
 * each resource's `resourceLock` workflow through activity `requestLock` and waits for its grant
 * signal. Call `createLocks()` once, at the workflow's start: it only registers a signal handler.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { BATON_FAILURES } from '../shared/failure-types';
import {
  LockGrantSchema,
  lockGrantedSignal,
  lockReleaseSignal,
  lockWorkflowId,
} from '../shared/lock-contract';

export interface Locks {
  /**
   * Takes every lock in `resources` for `request`, one at a time in sorted order (two owners never
   * wait for each other). Resolves once all are held. If it fails or its scope is cancelled, it
   * gives back what it got for `request` and withdraws the request still queued, then rethrows.
   */
  acquire(resources: readonly string[], request: string): Promise<void>;
  /** Gives back (or withdraws) `request`'s locks. Not cancellable; a repeat does nothing. */
  release(resources: readonly string[], request: string): Promise<void>;
  /** The resources held right now, sorted. */
  held(): string[];
}

type Step = 'requested' | 'granted' | 'held' | 'released';

const { requestLock } = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  // Bounded: a cancelled acquire waits for this activity before it can withdraw the request.
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

export function createLocks(): Locks {
  const steps = new Map<string, { resource: string; step: Step }>();
  const key = (resource: string, request: string) => JSON.stringify([resource, request]);

  setHandler(lockGrantedSignal, async (raw) => {
    const grant = LockGrantSchema.safeParse(raw);
    if (!grant.success) return;
    const { resource, request } = grant.data;
    const entry = steps.get(key(resource, request));
    if (entry?.step === 'requested') entry.step = 'granted';
    // Not wanted (withdrawn, released, or asked by a retry that landed late): give it straight
    // back, or the lock stays taken for as long as this run lives.
    else if (!entry || entry.step === 'released') await signalRelease(resource, request);
  });

  const locks: Locks = {
    async acquire(resources, request) {
      const wanted = [...new Set(resources)].sort();
      const { workflowId: owner, runId: ownerRunId } = workflowInfo();
      try {
        for (const resource of wanted) {
          const k = key(resource, request);
          let entry = steps.get(k);
          if (entry?.step === 'released') {
            throw ApplicationFailure.create({
              message: `Lock request "${request}" on "${resource}" was already released; each acquisition needs a new request id`,
              type: BATON_FAILURES.Internal,
              nonRetryable: true,
            });
          }
          if (!entry) {
            entry = { resource, step: 'requested' };
            steps.set(k, entry);
            // Not cancellable: once it returns, the request is at the lock, so a withdrawal sent
            // after it cannot overtake it.
            await CancellationScope.nonCancellable(() =>
              requestLock({ resource, owner, ownerRunId, request }),
            );
          }
          const mine = entry;
          await condition(() => mine.step !== 'requested');
          if (mine.step === 'granted') mine.step = 'held';
        }
      } catch (error) {
        await locks.release(wanted, request);
        throw error;
      }
    },

    async release(resources, request) {
      const toFree = [...new Set(resources)].filter((resource) => {
        const entry = steps.get(key(resource, request));
        if (!entry || entry.step === 'released') return false;
        // Marked first: a grant that arrives from now on is handed straight back.
        entry.step = 'released';
        return true;
      });
      await Promise.all(toFree.map((resource) => signalRelease(resource, request)));
    },

    held: () =>
      [...new Set([...steps.values()].filter((e) => e.step === 'held').map((e) => e.resource))].sort(),
  };
  return locks;
}

/** Releases or withdraws a request, even in a cancelled scope. No open lock run: nothing to free. */
async function signalRelease(resource: string, request: string): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    try {
      await getExternalWorkflowHandle(lockWorkflowId(resource)).signal(lockReleaseSignal, { request });
    } catch {
      // The lock's run has completed: it completes only when free, so this request holds nothing.
    }
  });
}
