import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, waitFor, waitForGate } from '../helpers/env';
import { killHard, useWorkerProcesses } from '../helpers/processes';
import { workspaceOf } from '../../src/activities/workspace';

const agents = testAgents().map((a) => a.name);
const workers = useWorkerProcesses();

describe('a worker killed with SIGKILL', () => {
  it(
    'loses nothing: a running phase is retried and decisions sent meanwhile are kept',
    { timeout: 180_000 },
    async () => {
      const { env, baton, spawnOne } = await workers.start('crash');
      const { workspaceRoot } = env;

      const { workflowId, firstRunId } = await startRun(baton, {
        agents,
        definition: definition([
          {
            id: 'work',
            agent: 'hold',
            heartbeatTimeout: '2s',
            retry: { maxAttempts: 5, initialInterval: '100ms' },
            approval: true,
          },
          { id: 'ship', agent: 'echo', needs: ['work'], approval: true },
        ]),
      });
      // A chain: each phase runs alone, so its agent works in the run's main checkout.
      const workspace = workspaceOf(workspaceRoot, workflowId, firstRunId);

      // 1. Kill the worker while the phase's agent is running.
      const first = await spawnOne();
      await waitFor(
        () => readdir(workspace).catch(() => [] as string[]),
        (files) => files.includes('work.started.1'),
      );
      await killHard(first);
      await writeFile(join(workspace, 'release'), 'go');

      // 2. A new worker picks the run up; the agent runs again (attempt 2) after the heartbeat timeout.
      const second = await spawnOne();
      await waitForGate(baton, workflowId, 'work');
      await decide(baton, workflowId, {
        phase: 'work',
        action: 'approve',
        by: 'alice',
        comment: 'looks right',
      });
      await waitForGate(baton, workflowId, 'ship');

      // 3. Kill it while the gate waits, and decide while no worker is up at all.
      await killHard(second);
      await baton.client.workflow.getHandle(workflowId).signal('approval', {
        phase: 'ship',
        action: 'approve',
        by: 'bob',
        comment: 'sent while no worker ran',
      });
      await spawnOne();

      const summary = await waitForResult(baton, workflowId);
      expect(summary.state).toBe('completed');
      expect(summary.phases[0]).toMatchObject({ id: 'work', state: 'done', attempts: 2 });
      expect(summary.outputs.work).toEqual({ attempt: 2 });
      expect(summary.decisions.map((d) => [d.phase, d.action, d.by, d.via])).toEqual([
        ['work', 'approve', 'alice', 'signal'],
        ['ship', 'approve', 'bob', 'signal'],
      ]);
      const status = await queryStatus(baton, workflowId);
      expect(status.decisions).toHaveLength(2);
      // And the whole history, crashes included, replays cleanly on a fresh worker.
      const history = await baton.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: env.bundlePath } }, history);
      await baton.close();
    },
  );
});
