import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workspaceOf } from '../../src/activities/workspace';
import { startRun, waitForResult } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import { queryStatus, waitFor } from '../helpers/env';
import { killHard, useWorkerProcesses } from '../helpers/processes';
import { parallelAgents } from '../parallel/agents';
import { git, parallelOf, taskWorktrees } from '../parallel/helpers';

const workers = useWorkerProcesses();

describe('a worker SIGKILLed during a parallel phase', () => {
  it(
    'mid-fan-out and at a merge-queue gate: the run completes with one commit per task run and no duplicate merge',
    { timeout: 240_000 },
    async () => {
      const { env, baton, spawnOne } = await workers.start('parallel-crash');
      const { workspaceRoot } = env;
      const release = join(await mkdtemp(join(tmpdir(), 'baton-prelease-')), 'go');
      const hold = (id: string, files: Record<string, string>) => ({
        id,
        agent: 'write-files',
        input: { files, holdUntil: release },
      });
      const definition = {
        name: 'parallel-crash',
        phases: [
          { id: 'seed', agent: 'write-files', input: { files: { 'src/app.js': 'a\nb\nc\n' } } },
          {
            id: 'work',
            needs: ['seed'],
            heartbeatTimeout: '2s',
            retry: { maxAttempts: 5, initialInterval: '100ms' },
            parallel: {
              tasks: [
                hold('one', { 'one.txt': '1\n', 'src/app.js': 'a\none\nc\n' }),
                hold('two', { 'two.txt': '2\n', 'src/app.js': 'a\ntwo\nc\n' }),
                { ...hold('three', { 'three.txt': '3\n' }), approval: true },
              ],
            },
          },
        ],
      } as DefinitionInput;
      const { workflowId, firstRunId } = await startRun(baton, {
        definition,
        agents: parallelAgents().map((a) => a.name),
      });
      const workspace = workspaceOf(workspaceRoot, workflowId, firstRunId);

      // 1. Kill the worker while all three tasks' agents run; release them while no worker is up.
      const first = await spawnOne();
      await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => (s.phases[1]?.parallel?.tasks ?? []).filter((t) => t.state === 'running').length === 3,
      );
      await killHard(first);
      await writeFile(release, '');

      // 2. A new worker: the tasks finish (their agents retried after the heartbeat timeout), and
      // task "three" waits at its own gate. Kill the worker there and approve while none is up.
      const second = await spawnOne();
      await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => s.gates.some((g) => g.phase === 'work.three'),
        120_000,
      );
      await killHard(second);
      await baton.client.workflow.getHandle(workflowId).signal('approval', {
        phase: 'work.three',
        action: 'approve',
        by: 'ana',
      });

      // 3. The queue stops at the conflict of "two" with "one". Kill the worker there too.
      const third = await spawnOne();
      await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => s.gates.some((g) => g.kind === 'conflict'),
        120_000,
      );
      await killHard(third);
      await baton.client.workflow.getHandle(workflowId).signal('approval', {
        phase: 'work',
        action: 'modify',
        by: 'ana',
        changes: { resolutions: { 'src/app.js': 'two' } },
      });
      await spawnOne();
      const summary = await waitForResult(baton, workflowId);
      expect(summary.state).toBe('completed');
      expect(parallelOf(summary).tasks.map((t) => [t.id, t.state, t.runs])).toEqual([
        ['one', 'done', 1],
        ['two', 'done', 1],
        ['three', 'done', 1],
      ]);

      // Exactly one commit per task run, whatever the retries: their Baton-Key trailers are unique.
      const keys = git(workspace, 'log', '--all', '--format=%(trailers:key=Baton-Key,valueonly)')
        .split('\n')
        .filter((k) => /\/work\.(one|two|three)\//.test(k));
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(3);
      // And each task merged once into the integration branch.
      const merges = git(workspace, 'log', 'main', '--format=%(trailers:key=Baton-Merged-Task,valueonly)')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      expect(merges.sort()).toEqual(['work/one', 'work/three', 'work/two']);
      expect(summary.decisions.map((d) => [d.phase, d.action, d.via])).toEqual([
        ['work.three', 'approve', 'signal'],
        ['work', 'modify', 'signal'],
      ]);
      expect(git(workspace, 'show', 'main:src/app.js')).toBe('a\ntwo\nc\n');
      expect(await taskWorktrees(workspace)).toEqual([]);

      const history = await baton.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: env.bundlePath } }, history, workflowId);
      await baton.close();
    },
  );
});
