import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { decide, startRun, waitForResult, type Baton } from '../../src/client/runs';
import { workspaceOf } from '../../src/activities/workspace';
import { testAgents } from '../helpers/agents';
import { definition, waitFor, waitForGate } from '../helpers/env';
import { usePostgresTemporal } from './temporal';

const agents = testAgents().map((a) => a.name);
const pg = usePostgresTemporal();

/** A chain: `work` holds until released, then two gates. */
const pipeline = definition([
  { id: 'work', agent: 'hold', heartbeatTimeout: '2s', retry: { maxAttempts: 10, initialInterval: '200ms' } },
  { id: 'review', agent: 'echo', needs: ['work'], approval: true },
  { id: 'ship', agent: 'echo', needs: ['review'], approval: true },
]);

async function startHeld(baton: Baton, workspaceRoot: string) {
  const { workflowId, firstRunId } = await startRun(baton, { agents, definition: pipeline });
  // Each phase of a chain runs alone, in the run's main checkout.
  const workspace = workspaceOf(workspaceRoot, workflowId, firstRunId);
  await waitFor(
    () => readdir(workspace).catch(() => [] as string[]),
    (files) => files.some((f) => f.startsWith('work.started.')),
  );
  return { workflowId, release: () => writeFile(join(workspace, 'release'), 'go') };
}

/** The run finished with every phase done and both decisions, and its history replays. */
async function expectCompleted(baton: Baton, workflowId: string) {
  const summary = await waitForResult(baton, workflowId);
  expect(summary.state).toBe('completed');
  expect(summary.phases.map((p) => p.state)).toEqual(['done', 'done', 'done']);
  expect(summary.decisions.map((d) => [d.phase, d.by])).toEqual([
    ['review', 'alice'],
    ['ship', 'bob'],
  ]);
  const history = await baton.client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history);
}

describe('Temporal on PostgreSQL', () => {
  it('runs a pipeline end to end: phases, a gate, decisions', async () => {
    const { baton, workspaceRoot } = await pg.start('pg-e2e');
    const { workflowId, release } = await startHeld(baton, workspaceRoot);
    await release();
    await waitForGate(baton, workflowId, 'review');
    await decide(baton, workflowId, { phase: 'review', action: 'approve', by: 'alice' });
    await waitForGate(baton, workflowId, 'ship');
    await decide(baton, workflowId, { phase: 'ship', action: 'approve', by: 'bob' });
    await expectCompleted(baton, workflowId);
  });

  it('survives the Temporal server SIGKILLed mid-phase and at a gate, the worker running throughout', async () => {
    const { baton, workspaceRoot } = await pg.start('pg-server-kill');
    const { workflowId, release } = await startHeld(baton, workspaceRoot);
    await pg.temporal.killServer();
    await release();
    await pg.temporal.restartServer();
    await waitForGate(baton, workflowId, 'review');
    await decide(baton, workflowId, { phase: 'review', action: 'approve', by: 'alice' });
    await waitForGate(baton, workflowId, 'ship');
    await pg.temporal.killServer();
    await pg.temporal.restartServer();
    await waitForGate(baton, workflowId, 'ship');
    await waitFor(
      () => decide(baton, workflowId, { phase: 'ship', action: 'approve', by: 'bob' }).then(() => true),
      (sent) => sent,
    );
    await expectCompleted(baton, workflowId);
  });

  it('survives PostgreSQL restarted mid-phase and at a gate', async () => {
    const { baton, workspaceRoot } = await pg.start('pg-restart');
    const { workflowId, release } = await startHeld(baton, workspaceRoot);
    await pg.temporal.restartPostgres();
    await release();
    await waitForGate(baton, workflowId, 'review');
    await decide(baton, workflowId, { phase: 'review', action: 'approve', by: 'alice' });
    await waitForGate(baton, workflowId, 'ship');
    await pg.temporal.restartPostgres();
    await waitForGate(baton, workflowId, 'ship');
    await waitFor(
      () => decide(baton, workflowId, { phase: 'ship', action: 'approve', by: 'bob' }).then(() => true),
      (sent) => sent,
    );
    await expectCompleted(baton, workflowId);
  });
});
