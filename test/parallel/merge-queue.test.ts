import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceOf } from '../../src/activities/workspace';
import { decide } from '../../src/client/decide';
import { startRun, waitForResult } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import { queryStatus, useWorker, waitFor } from '../helpers/env';
import { parallelAgents } from './agents';
import { branches, git, parallelOf, seeded, taskWorktrees, writes } from './helpers';

const shared = useWorker({ prefix: 'merge-queue', agents: parallelAgents() });

async function start(definition: DefinitionInput) {
  const { workflowId, firstRunId } = await startRun(shared.baton, {
    definition,
    agents: parallelAgents().map((a) => a.name),
  });
  return { id: workflowId, workspace: workspaceOf(shared.workspaceRoot, workflowId, firstRunId) };
}
const conflictGate = (id: string) =>
  waitFor(
    () => queryStatus(shared.baton, id),
    (s) => s.gates.some((g) => g.kind === 'conflict'),
  ).then((s) => s.gates.find((g) => g.kind === 'conflict')!);

const APP = 'line 1\nline 2\nline 3\n';

describe('the merge queue of a parallel phase', () => {
  it('merges disjoint tasks cleanly: main has every task’s files, and no worktree or task branch is left', async () => {
    const { id, workspace } = await start(
      seeded({ 'README.md': 'base\n' }, [
        writes('api', { 'src/api.js': 'export const api = 1;\n' }),
        writes('ui', { 'src/ui.js': 'export const ui = 1;\n' }),
        writes('docs', { 'docs/guide.md': '# Guide\n' }),
      ]),
    );
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    const tree = git(workspace, 'ls-tree', '-r', '--name-only', 'main');
    for (const file of ['README.md', 'src/api.js', 'src/ui.js', 'docs/guide.md'])
      expect(tree).toContain(file);
    const parallel = parallelOf(summary);
    expect(parallel.tasks.map((t) => [t.id, t.state])).toEqual([
      ['api', 'done'],
      ['ui', 'done'],
      ['docs', 'done'],
    ]);
    expect(parallel.queue.map((q) => q.state)).toEqual(['merged', 'merged', 'merged']);
    expect(parallel.conflicts).toEqual([]);
    expect(parallel.speedup).toBeGreaterThan(0);
    expect(await taskWorktrees(workspace)).toEqual([]);
    expect(branches(workspace).filter((b) => b.split('/').length > 2)).toEqual([]);
    // Every task ran in a child workflow that names the run as its parent (the Web UI links them).
    const child = await shared.baton.client.workflow.getHandle(parallel.tasks[0]!.workflowId!).describe();
    expect(child.type).toBe('task');
    expect(child.parentExecution?.workflowId).toBe(id);
  });

  it('opens a conflict gate naming the file when two tasks edit the same line; modify picks a task’s side', async () => {
    const { id, workspace } = await start(
      seeded({ 'src/app.js': APP }, [
        writes('left', { 'src/app.js': 'line 1\nleft 2\nline 3\n' }),
        writes('right', { 'src/app.js': 'line 1\nright 2\nline 3\n' }),
      ]),
    );
    const gate = await conflictGate(id);
    expect(gate.phase).toBe('work');
    expect(gate).toMatchObject({ kind: 'conflict', task: 'right' });
    if (gate.kind !== 'conflict') throw new Error('not a conflict gate');
    expect(gate.conflicts.map((c) => [c.path, c.class])).toEqual([['src/app.js', 'file']]);
    expect(gate.conflicts[0]).toMatchObject({
      base: APP,
      ours: 'line 1\nleft 2\nline 3\n',
      theirs: 'line 1\nright 2\nline 3\n',
    });
    const status = await queryStatus(shared.baton, id);
    expect(parallelOf(status).queue.map((q) => q.state)).toEqual(['merged', 'conflict']);

    await decide(
      shared.baton,
      id,
      { phase: 'work', action: 'modify', by: 'ana', changes: { resolutions: { 'src/app.js': 'right' } } },
      { via: 'update' },
    );
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(await readFile(join(workspace, 'src/app.js'), 'utf8')).toBe('line 1\nright 2\nline 3\n');
    const conflicts = parallelOf(summary).conflicts;
    expect(conflicts).toEqual([expect.objectContaining({ task: 'right', class: 'file', outcome: 'human' })]);
    expect(parallelOf(summary).humanInterventionRate).toBe(1);
    expect(git(workspace, 'status', '--porcelain')).toBe('');
  });

  it('takes what a person committed in the integration worktree when they approve, and refuses until they have', async () => {
    const { id, workspace } = await start(
      seeded({ 'src/app.js': APP }, [
        writes('left', { 'src/app.js': 'line 1\nleft 2\nline 3\n' }),
        writes('right', { 'src/app.js': 'line 1\nright 2\nline 3\n' }),
      ]),
    );
    const gate = await conflictGate(id);
    if (gate.kind !== 'conflict') throw new Error('not a conflict gate');
    // Approving before anything is committed reopens the gate, saying what is missing.
    await decide(shared.baton, id, { phase: 'work', action: 'approve', by: 'ana' }, { via: 'update' });
    const reopened = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates.some((g) => g.kind === 'conflict' && g.id !== gate.id),
    );
    const again = reopened.gates.find((g) => g.kind === 'conflict')!;
    expect('error' in again && again.error?.message).toBeTruthy();

    const tree = gate.worktree;
    try {
      git(tree, 'merge', '--no-ff', '-m', 'hand merge', gate.branch);
    } catch {
      // the conflict, as expected
    }
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(tree, 'src/app.js'), 'line 1\nboth 2\nline 3\n');
    git(tree, 'add', 'src/app.js');
    git(tree, '-c', 'user.name=Ana', '-c', 'user.email=ana@example.com', 'commit', '-q', '--no-edit');
    await decide(shared.baton, id, { phase: 'work', action: 'approve', by: 'ana' }, { via: 'update' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(await readFile(join(workspace, 'src/app.js'), 'utf8')).toBe('line 1\nboth 2\nline 3\n');
  });

  it('resolves a dependency conflict to the higher compatible version, with no gate', async () => {
    const pkg = `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { express: '^4.17.0' } }, null, 2)}\n`;
    const { id, workspace } = await start(
      seeded({ 'package.json': pkg }, [
        {
          id: 'backend',
          agent: 'write-files',
          input: { json: { 'package.json': { dependencies: { express: '^4.18.2', pg: '^8.11.0' } } } },
        },
        {
          id: 'frontend',
          agent: 'write-files',
          input: { json: { 'package.json': { dependencies: { express: '^4.19.2', react: '^18.2.0' } } } },
        },
      ]),
    );
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.decisions).toEqual([]);
    const merged = JSON.parse(await readFile(join(workspace, 'package.json'), 'utf8'));
    expect(merged.dependencies).toEqual({ express: '^4.19.2', pg: '^8.11.0', react: '^18.2.0' });
    const conflicts = parallelOf(summary).conflicts;
    expect(conflicts).toEqual([
      expect.objectContaining({
        task: 'frontend',
        class: 'dependency',
        outcome: 'resolved',
        strategy: 'highest-compatible',
      }),
    ]);
    expect(parallelOf(summary).autoResolutionRate).toBe(1);
  });

  it('renames a naming conflict with the task prefix, and past humanThreshold opens a gate instead', async () => {
    const both = [
      writes('backend', { 'src/shared/util.js': 'export const who = "backend";\n' }),
      writes('frontend', { 'src/shared/util.js': 'export const who = "frontend";\n' }),
    ];
    const renamed = await start(seeded({ 'README.md': 'x\n' }, both));
    const summary = await waitForResult(shared.baton, renamed.id);
    expect(summary.state).toBe('completed');
    const tree = git(renamed.workspace, 'ls-tree', '-r', '--name-only', 'main');
    expect(tree).toContain('src/shared/util.js');
    expect(tree).toContain('src/shared/frontend-util.js');
    expect(parallelOf(summary).conflicts).toEqual([
      expect.objectContaining({ class: 'naming', outcome: 'resolved', strategy: 'prefix-with-task' }),
    ]);

    const gated = await start(
      seeded(
        { 'README.md': 'x\n' },
        both,
        {},
        { conflicts: { naming: { strategy: 'prefix-with-task', humanThreshold: 0 } } },
      ),
    );
    const gate = await conflictGate(gated.id);
    if (gate.kind !== 'conflict') throw new Error('not a conflict gate');
    expect(gate.conflicts.map((c) => c.class)).toEqual(['naming']);
    await decide(shared.baton, gated.id, { phase: 'work', action: 'reject', by: 'ana' }, { via: 'update' });
    const rejected = await waitForResult(shared.baton, gated.id);
    expect(rejected.state).toBe('rejected');
    expect(rejected.reason).toMatch(/Rejected at "work" by ana/);
    expect(await taskWorktrees(gated.workspace)).toEqual([]);
    expect(branches(gated.workspace).filter((b) => b.split('/').length > 2)).toEqual([]);
  });

  it('sends a conflict to a human when the resolver leaves conflict markers', async () => {
    const { id } = await start(
      seeded(
        { 'src/app.js': APP },
        [
          writes('left', { 'src/app.js': 'line 1\nleft 2\nline 3\n' }),
          writes('right', { 'src/app.js': 'line 1\nright 2\nline 3\n' }),
        ],
        {},
        { conflicts: { file: { strategy: 'resolver', resolver: 'sloppy-resolver', fallback: 'human' } } },
      ),
    );
    const gate = await conflictGate(id);
    if (gate.kind !== 'conflict') throw new Error('not a conflict gate');
    expect(gate.conflicts.map((c) => c.path)).toEqual(['src/app.js']);
    await decide(shared.baton, id, { phase: 'work', action: 'skip', by: 'ana' }, { via: 'update' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    const parallel = parallelOf(summary);
    expect(parallel.tasks.find((t) => t.id === 'right')).toMatchObject({ state: 'dropped' });
    expect(parallel.conflicts.some((c) => /marker/i.test(c.detail ?? ''))).toBe(true);
  });

  it('rolls the integration branch back to its recovery ref when verify fails, and keeps the task branches', async () => {
    const { id, workspace } = await start(
      seeded(
        { 'README.md': 'x\n' },
        [writes('a', { 'a.txt': 'a\n' }), writes('b', { 'b.txt': 'b\n' })],
        {},
        { verify: 'fatal' },
      ),
    );
    const status = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates.some((g) => g.kind === 'verify'),
    );
    const gate = status.gates.find((g) => g.kind === 'verify')!;
    if (gate.kind !== 'verify') throw new Error('not a verify gate');
    const parallel = parallelOf(status);
    expect(parallel.verify).toMatchObject({ agent: 'fatal', state: 'failed' });
    const integration = parallel.integration!;
    expect(git(integration.worktree, 'rev-parse', 'HEAD').trim()).toBe(gate.recovery);
    expect(git(integration.worktree, 'status', '--porcelain')).toBe('');
    expect(branches(workspace).filter((b) => b.endsWith('/work/a') || b.endsWith('/work/b'))).toHaveLength(2);
    expect(gate.tasks.sort()).toEqual(['a', 'b']);
    await decide(shared.baton, id, { phase: 'work', action: 'reject', by: 'ana' }, { via: 'update' });
    await waitForResult(shared.baton, id).catch(() => undefined);
    expect(await taskWorktrees(workspace)).toEqual([]);
  });
  it('merges again without the tasks a verify gate drops, and verify then passes', async () => {
    const { id, workspace } = await start(
      seeded(
        { 'README.md': 'x\n' },
        [writes('a', { 'a.txt': 'a\n' }), writes('b', { 'b.txt': 'b\n' }), writes('c', { 'c.txt': 'c\n' })],
        { keepBranches: true },
        { verify: { agent: 'check-absent', input: { file: 'b.txt' } } },
      ),
    );
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates.some((g) => g.kind === 'verify'),
    );
    await decide(
      shared.baton,
      id,
      { phase: 'work', action: 'modify', by: 'ana', changes: { drop: ['b'] } },
      { via: 'update' },
    );
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    const parallel = parallelOf(summary);
    expect(parallel.verify).toMatchObject({ state: 'passed' });
    expect(parallel.tasks.find((t) => t.id === 'b')).toMatchObject({ state: 'dropped' });
    expect(parallel.queue.map((q) => [q.task, q.state])).toEqual([
      ['a', 'merged'],
      ['c', 'merged'],
    ]);
    const tree = git(workspace, 'ls-tree', '-r', '--name-only', 'main');
    expect(tree).toContain('a.txt');
    expect(tree).toContain('c.txt');
    expect(tree).not.toContain('b.txt');
    // keepBranches: the task branches stay after the run, the worktrees do not.
    expect(branches(workspace).filter((b) => b.split('/').length > 2)).toHaveLength(3);
    expect(await taskWorktrees(workspace)).toEqual([]);
  });
});
