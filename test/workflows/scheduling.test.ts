import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { startRun, waitForResult } from '../../src/client/runs';
import type { RunSummary } from '../../src/shared/status';
import { testAgents } from '../helpers/agents';
import { definition, testBaton, uniqueId, withWorker } from '../helpers/env';

const agents = testAgents().map((a) => a.name);

describe('pipeline scheduling', () => {
  it('starts dependents only after their needs, and binds earlier outputs', async () => {
    const taskQueue = uniqueId('order');
    const baton = await testBaton(taskQueue);
    const summary = await withWorker({ taskQueue }, async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        params: { service: 'billing' },
        definition: definition(
          [
            { id: 'a', agent: 'echo', input: { service: '${params.service}' } },
            { id: 'b', agent: 'echo', needs: ['a'], input: { from: '${phases.a.output.echoed.service}' } },
            {
              id: 'c',
              agent: 'echo',
              needs: ['a', 'b'],
              input: { note: 'after ${phases.b.output.echoed.from}' },
            },
          ],
          { params: { service: { type: 'string' } } },
        ),
      });
      return waitForResult(baton, workflowId);
    });
    await baton.close();
    const phase = (id: string) => summary.phases.find((p) => p.id === id)!;
    expect(summary.state).toBe('completed');
    expect(Date.parse(phase('b').startedAt!)).toBeGreaterThanOrEqual(Date.parse(phase('a').endedAt!));
    expect(Date.parse(phase('c').startedAt!)).toBeGreaterThanOrEqual(Date.parse(phase('b').endedAt!));
    expect(summary.outputs.b).toEqual({ echoed: { from: 'billing' }, phase: 'b' });
    expect(summary.outputs.c).toEqual({ echoed: { note: 'after billing' }, phase: 'c' });
    expect(summary.progress).toEqual({ done: 3, total: 3, percent: 100 });
  });

  it('runs independent phases at the same time', async () => {
    const taskQueue = uniqueId('parallel');
    const baton = await testBaton(taskQueue);
    const summary = await withWorker({ taskQueue }, async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        definition: definition([
          { id: 'left', agent: 'rendezvous', input: { peers: ['right'] } },
          { id: 'right', agent: 'rendezvous', input: { peers: ['left'] } },
          { id: 'join', agent: 'echo', needs: ['left', 'right'] },
        ]),
      });
      return waitForResult(baton, workflowId);
    });
    await baton.close();
    const left = summary.outputs.left as { startedAt: number; endedAt: number };
    const right = summary.outputs.right as { startedAt: number; endedAt: number };
    // Each interval starts before the other ends: the agents overlapped in time.
    expect(left.startedAt).toBeLessThan(right.endedAt);
    expect(right.startedAt).toBeLessThan(left.endedAt);
    const join = summary.phases.find((p) => p.id === 'join')!;
    expect(Date.parse(join.startedAt!)).toBeGreaterThanOrEqual(Math.max(left.endedAt, right.endedAt) - 5);
  });

  it('retries a flaky agent by the phase policy and counts the attempts', async () => {
    const taskQueue = uniqueId('retry');
    const baton = await testBaton(taskQueue);
    const summary = await withWorker({ taskQueue }, async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        definition: definition([
          { id: 'flaky', agent: 'flaky', retry: { maxAttempts: 5, initialInterval: '50ms', backoff: 1 } },
        ]),
      });
      return waitForResult(baton, workflowId);
    });
    await baton.close();
    expect(summary.phases[0]).toMatchObject({ id: 'flaky', state: 'done', attempts: 3 });
    expect(summary.outputs.flaky).toEqual({ succeededOnAttempt: 3 });
  });

  it('fails the phase at once on a non-retryable failure and starts nothing after it', async () => {
    const taskQueue = uniqueId('fatal');
    const baton = await testBaton(taskQueue);
    const failure = await withWorker({ taskQueue }, async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        definition: definition([
          { id: 'spec', agent: 'fatal', retry: { maxAttempts: 5, initialInterval: '50ms' } },
          { id: 'after', agent: 'echo', needs: ['spec'] },
        ]),
      });
      return baton.client.workflow
        .getHandle(workflowId)
        .result()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
    });
    await baton.close();
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('Baton.PhaseFailed');
    expect(cause.message).toContain('Phase "spec" failed after 1 attempt(s): the spec is contradictory');
    const summary = cause.details?.[0] as RunSummary;
    expect(summary.phases.find((p) => p.id === 'spec')).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { type: 'Agent.BadInput' },
    });
    expect(summary.phases.find((p) => p.id === 'after')).toMatchObject({ state: 'cancelled', runs: 0 });
  });
});
