import { describe, expect, it } from 'vitest';
import { workspaceOf } from '../../src/activities/workspace';
import { builtinAgents } from '../../src/activities/agents';
import { startRun, waitForResult } from '../../src/client/runs';
import { testBaton, uniqueId, withWorker } from '../helpers/env';
import { git, parallelOf, taskWorktrees } from '../parallel/helpers';

describe('an offline run of feature-parallel', () => {
  it('decomposes the feature, runs the specialists side by side, resolves their conflicts by itself and verifies the merged tree', async () => {
    const taskQueue = uniqueId('feature-parallel');
    const baton = await testBaton(taskQueue);
    const { summary, workspace, events } = await withWorker(
      { taskQueue, agents: builtinAgents() },
      async ({ workspaceRoot }) => {
        const { workflowId, firstRunId } = await startRun(baton, {
          template: 'feature-parallel',
          params: { feature: 'Add a books API with a web page listing books, and tests' },
          approvalMode: 'auto',
        });
        const summary = await waitForResult(baton, workflowId);
        const history = await baton.client.workflow.getHandle(workflowId).fetchHistory();
        return {
          summary,
          workspace: workspaceOf(workspaceRoot, workflowId, firstRunId),
          events: history.events?.length ?? 0,
        };
      },
    );
    await baton.close();
    expect(summary.state, summary.reason).toBe('completed');
    const parallel = parallelOf(summary, 'implement');
    expect(parallel.tasks.map((t) => [t.id, t.state])).toEqual([
      ['backend', 'done'],
      ['frontend', 'done'],
      ['tests', 'done'],
    ]);
    // The plan predicted where they would meet; the queue met it and settled it without a person.
    expect(parallel.predictedConflicts.length).toBeGreaterThan(0);
    expect(parallel.conflicts.length).toBeGreaterThan(0);
    expect(parallel.conflicts.every((c) => c.outcome === 'resolved')).toBe(true);
    expect(parallel.conflicts.map((c) => c.class)).toContain('dependency');
    expect(parallel.autoResolutionRate).toBe(1);
    expect(parallel.verify).toMatchObject({ state: 'passed' });
    expect(parallel.queue.map((q) => q.state)).toEqual(['merged', 'merged', 'merged']);
    // The run's main branch holds every specialist's work, and no task checkout is left.
    const tree = git(workspace, 'ls-tree', '-r', '--name-only', 'main');
    for (const file of ['app/src/api/books.js', 'app/src/pages/books.js', 'app/test/books.test.js']) {
      expect(tree).toContain(file);
    }
    const pkg = JSON.parse(git(workspace, 'show', 'main:app/package.json'));
    expect(pkg.dependencies.express).toBe('^4.19.2');
    expect(await taskWorktrees(workspace)).toEqual([]);
    expect(events).toBeLessThan(1000);
  });
});
