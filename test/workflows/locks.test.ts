import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLockActivities } from '../../src/activities/locks';
import type { Baton } from '../../src/client/runs';
import {
  LOCK_WORKFLOW_TYPE,
  lockReleaseSignal,
  lockRequestSignal,
  lockStateQuery,
  lockWorkflowId,
  type LockRequest,
  type LockState,
  type LockStateInput,
} from '../../src/shared/lock-contract';
import { quietLogger } from '../../src/workers/bundle';
import { testBaton, uniqueId, waitFor } from '../helpers/env';
import {
  lockOwnerDoneSignal,
  lockOwnerTimesQuery,
  type lockOwner,
  type LockOwnerInput,
  type LockOwnerTimes,
} from './fixtures/lock-owner';

const WORKFLOWS = fileURLToPath(new URL('./fixtures/lock-workflows.ts', import.meta.url));
// Short, so a terminated holder is noticed quickly and the lock continues as new in several tests.
const SETTINGS = { holderCheckMs: 500, grantsPerRun: 2 };

// One worker on a task queue of its own, serving the test owner and the real lock workflow.
const taskQueue = uniqueId('locks');
let baton: Baton;
let connection: NativeConnection;
let bundle: WorkflowBundleWithSourceMap;
let stopWorker: () => Promise<void> = async () => undefined;

async function startWorker(): Promise<() => Promise<void>> {
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: bundle,
    activities: createLockActivities(SETTINGS),
  });
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
  };
}

beforeAll(async () => {
  baton = await testBaton(taskQueue);
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quietLogger });
  stopWorker = await startWorker();
});
afterAll(async () => {
  await stopWorker();
  await connection.close();
  await baton.close();
});

interface Owner {
  handle: WorkflowHandle<typeof lockOwner>;
  /** The lock request as the lock workflow holds it. */
  asked: LockRequest;
}

const resource = (name: string) => uniqueId(`lock-${name}`);

async function owner(resources: string[], options: Omit<LockOwnerInput, 'resources' | 'request'> = {}) {
  const workflowId = uniqueId('owner');
  const request = `${workflowId}/implement/task/1`;
  const handle = await baton.client.workflow.start<typeof lockOwner>('lockOwner', {
    taskQueue,
    workflowId,
    args: [{ resources, request, ...options }],
  });
  return {
    handle,
    asked: { owner: workflowId, ownerRunId: handle.firstExecutionRunId, request },
  } satisfies Owner;
}

const lockState = (r: string): Promise<LockState> =>
  baton.client.workflow.getHandle(lockWorkflowId(r)).query(lockStateQuery);
const lockStatus = async (r: string) =>
  (await baton.client.workflow.getHandle(lockWorkflowId(r)).describe()).status.name;
const timesOf = (o: Owner): Promise<LockOwnerTimes> => o.handle.query(lockOwnerTimesQuery);

/** Waits until the lock is held by `holder`, with exactly `waiting` queued behind it. */
const waitForLock = (r: string, holder: Owner | undefined, waiting: Owner[] = []) =>
  waitFor(
    () => lockState(r),
    (s) =>
      s.holder?.request === holder?.asked.request &&
      JSON.stringify(s.queue.map((q) => q.request)) === JSON.stringify(waiting.map((w) => w.asked.request)),
  );

/**
 * The lock is free with nobody waiting, and its workflow has completed, after `grants` grants since
 * it was last idle (when its owners overlapped in time: one that never lets the lock go idle).
 */
async function expectDrained(r: string, grants?: number) {
  await waitFor(
    () => lockStatus(r),
    (s) => s === 'COMPLETED',
  );
  const state = await lockState(r);
  expect(state.holder).toBeUndefined();
  expect(state.queue).toEqual([]);
  if (grants !== undefined) expect(state.grants).toBe(grants);
}

/** No two of these hold times overlap. */
function expectSerial(times: LockOwnerTimes[]) {
  const sorted = [...times].sort((a, b) => a.acquiredAt! - b.acquiredAt!);
  for (const [i, t] of sorted.entries()) {
    expect(t.acquiredAt).toBeTypeOf('number');
    expect(t.releasedAt).toBeGreaterThanOrEqual(t.acquiredAt!);
    if (i > 0) expect(t.acquiredAt).toBeGreaterThanOrEqual(sorted[i - 1]!.releasedAt!);
  }
}

async function expectCancelled(o: Owner) {
  const error: unknown = await o.handle.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
}

describe('resource locks', () => {
  it('lets owners of one lock take turns, never overlapping', async () => {
    const r = resource('one');
    const owners = await Promise.all([1, 2, 3].map(() => owner([r], { holdMs: 600 })));
    const times = await Promise.all(owners.map((o) => o.handle.result()));
    expectSerial(times);
    for (const t of times) expect(t.held).toEqual([r]);
    await expectDrained(r, 3);
    // Two grants per run: the last run continued from an earlier one, carrying holder and queue.
    const { events } = await baton.client.workflow.getHandle(lockWorkflowId(r)).fetchHistory();
    expect(events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
  });

  it('runs owners of different locks at the same time', async () => {
    const [x, y] = [resource('x'), resource('y')];
    const [a, b] = await Promise.all([owner([x], { holdMs: 1500 }), owner([y], { holdMs: 1500 })]);
    const [ta, tb] = await Promise.all([a.handle.result(), b.handle.result()]);
    expect(ta.acquiredAt!).toBeLessThan(tb.releasedAt!);
    expect(tb.acquiredAt!).toBeLessThan(ta.releasedAt!);
  });

  it('does not deadlock two owners that name the same locks in opposite orders', async () => {
    const [p, q] = [resource('p'), resource('q')];
    const pairs = await Promise.all([
      owner([p, q], { holdMs: 400 }),
      owner([q, p], { holdMs: 400 }),
      owner([q, p], { holdMs: 400 }),
    ]);
    const times = await Promise.all(pairs.map((o) => o.handle.result()));
    expectSerial(times);
    for (const t of times) expect(t.held).toEqual([p, q].sort());
    // Between two owners `q` may be idle for a moment (the next asks for `p` first): no grant count.
    await expectDrained(p);
    await expectDrained(q);
  });

  it('withdraws the request of an owner cancelled while it waits', async () => {
    const r = resource('withdraw');
    const holder = await owner([r]);
    await waitForLock(r, holder);
    const waiter = await owner([r]);
    await waitForLock(r, holder, [waiter]);
    await waiter.handle.cancel();
    await expectCancelled(waiter);
    await waitForLock(r, holder, []);
    expect((await timesOf(waiter)).acquiredAt).toBeUndefined();
    await holder.handle.signal(lockOwnerDoneSignal);
    await holder.handle.result();
    await expectDrained(r, 1);
  });

  it('releases the lock of an owner cancelled while it holds it', async () => {
    const r = resource('cancel-holder');
    const holder = await owner([r]);
    await waitForLock(r, holder);
    const next = await owner([r], { holdMs: 100 });
    await waitForLock(r, holder, [next]);
    await holder.handle.cancel();
    await expectCancelled(holder);
    const after = await next.handle.result();
    expectSerial([await timesOf(holder), after]);
    await expectDrained(r, 2);
  });

  it('releases the lock of an owner that fails while it holds it', async () => {
    const r = resource('fail');
    const failing = await owner([r], { holdMs: 300, fail: true });
    await waitForLock(r, failing);
    const next = await owner([r], { holdMs: 100 });
    await expect(failing.handle.result()).rejects.toThrow(WorkflowFailedError);
    const after = await next.handle.result();
    expectSerial([await timesOf(failing), after]);
    await expectDrained(r, 2);
  });

  it('keeps a held lock and its queue across a worker restart', async () => {
    const r = resource('restart');
    const holder = await owner([r]);
    await waitForLock(r, holder);
    const next = await owner([r], { holdMs: 100 });
    await waitForLock(r, holder, [next]);
    await stopWorker();
    stopWorker = await startWorker();
    await holder.handle.signal(lockOwnerDoneSignal);
    expectSerial([await holder.handle.result(), await next.handle.result()]);
    await expectDrained(r, 2);
  });

  it('ignores repeated requests and releases it does not know', async () => {
    const r = resource('dup');
    const holder = await owner([r]);
    await waitForLock(r, holder);
    const next = await owner([r], { holdMs: 100 });
    await waitForLock(r, holder, [next]);
    // What a retried `requestLock` sends, and a stray release.
    for (const asked of [holder.asked, next.asked, next.asked]) {
      const initial: LockStateInput = { resource: r };
      await baton.client.workflow.signalWithStart(LOCK_WORKFLOW_TYPE, {
        workflowId: lockWorkflowId(r),
        taskQueue,
        args: [initial],
        signal: lockRequestSignal,
        signalArgs: [asked],
      });
    }
    await baton.client.workflow
      .getHandle(lockWorkflowId(r))
      .signal(lockReleaseSignal, { request: 'unknown' });
    const state = await waitForLock(r, holder, [next]);
    expect(state.grants).toBe(1);
    await holder.handle.signal(lockOwnerDoneSignal);
    expectSerial([await holder.handle.result(), await next.handle.result()]);
    await expectDrained(r, 2);
  });

  it('gets back a grant its owner never asked for (a late retry)', async () => {
    const [held, stray] = [resource('held'), resource('stray')];
    const o = await owner([held]);
    await waitForLock(held, o);
    // A request the owner has no record of, as a zombie attempt of `requestLock` would leave.
    const initial: LockStateInput = { resource: stray };
    await baton.client.workflow.signalWithStart(LOCK_WORKFLOW_TYPE, {
      workflowId: lockWorkflowId(stray),
      taskQueue,
      args: [initial],
      signal: lockRequestSignal,
      signalArgs: [{ ...o.asked, request: `${o.asked.request}/late` }],
    });
    await expectDrained(stray, 1);
    expect((await timesOf(o)).held).toEqual([held]);
    await o.handle.signal(lockOwnerDoneSignal);
    await o.handle.result();
  });

  it('frees the lock of a holder whose run was terminated', async () => {
    const r = resource('terminated');
    const holder = await owner([r]);
    await waitForLock(r, holder);
    const next = await owner([r], { holdMs: 100 });
    await waitForLock(r, holder, [next]);
    await holder.handle.terminate('gone without releasing');
    const after = await next.handle.result();
    expect(after.held).toEqual([r]);
    await expectDrained(r, 2);
  });
});
