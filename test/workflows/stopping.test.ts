import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { cancelRun, startRun } from '../../src/client/runs';
import { BatonPendingGates } from '../../src/shared/search-attributes';
import type { PhaseStatus, RunSummary } from '../../src/shared/status';
import { testAgents } from '../helpers/agents';
import {
  definition,
  queryStatus,
  testBaton,
  uniqueId,
  useWorker,
  waitFor,
  waitForGate,
  withWorker,
} from '../helpers/env';

const agents = testAgents().map((a) => a.name);
const shared = useWorker({ prefix: 'stopping' });

describe('a run that stops', () => {
  it('cancelled by Temporal: ends cancelled, with its gates closed and cleared from search attributes', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        { id: 'draft', agent: 'echo', approval: true },
        { id: 'next', agent: 'echo', needs: ['draft'] },
      ]),
    });
    await waitForGate(shared.baton, workflowId, 'draft');
    const handle = shared.baton.client.workflow.getHandle(workflowId);
    await waitFor(
      () => handle.describe(),
      (d) => (d.typedSearchAttributes.get(BatonPendingGates) ?? []).includes('draft'),
    );
    await cancelRun(shared.baton, workflowId);
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

    const status = await queryStatus(shared.baton, workflowId);
    expect(status.state).toBe('cancelled');
    expect(status.gates).toEqual([]);
    expect(status.phases.map((p) => p.state)).toEqual(['cancelled', 'cancelled']);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(BatonPendingGates)).toBeUndefined();
  });

  it('rejected at one gate: a retry for a sibling gate in the same workflow task never runs its agent again', async () => {
    // The two decisions reach the run together: sent while no worker polls, they arrive in one task.
    const taskQueue = uniqueId('stopping-race');
    const baton = await testBaton(taskQueue);
    const workflowId = await withWorker({ taskQueue }, async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        definition: definition([
          { id: 'a', agent: 'echo', approval: true },
          { id: 'b', agent: 'echo', approval: true },
          { id: 'after', agent: 'echo', needs: ['a', 'b'] },
        ]),
      });
      await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => s.gates.length === 2,
      );
      return workflowId;
    });
    const handle = baton.client.workflow.getHandle(workflowId);
    await handle.signal('approval', { phase: 'a', action: 'reject', by: 'ann' });
    await handle.signal('approval', { phase: 'b', action: 'retry', by: 'bob' });
    const summary = (await withWorker({ taskQueue }, () => handle.result())) as RunSummary;
    await baton.close();
    expect(summary.state).toBe('rejected');
    expect(summary.phases.find((p: PhaseStatus) => p.id === 'b')).toMatchObject({
      runs: 1,
      state: 'cancelled',
    });
    expect(summary.phases.find((p: PhaseStatus) => p.id === 'after')).toMatchObject({ runs: 0 });
    expect(summary.gates).toEqual([]);
  });
});
