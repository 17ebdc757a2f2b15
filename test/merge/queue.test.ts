import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { worktreeOf } from '../../src/activities/workspace';
import { count, expectTidy, git, setup, show } from './helpers';

describe('merge queue: worktrees, clean merges, retries, recovery and clean-up', () => {
  it('gives each task its own worktree and branch, idempotently', async () => {
    const { activities: a, workspace, start, task, tasks } = await setup();
    await task('api');
    const made = tasks.get('api');
    expect(made).toEqual({ worktree: worktreeOf(workspace, 'impl.api'), branch: 'baton/run-1/impl/api' });
    const key = { workspace, runId: 'run-1', phase: 'impl', task: 'api', base: start };
    expect(await a.createTaskWorktree(key)).toEqual(made);
    // The checkout lost, the branch kept (a crash): the branch is checked out again.
    git(workspace, 'worktree', 'remove', '--force', made!.worktree);
    expect(await a.createTaskWorktree(key)).toEqual(made);
    expect(await a.worktreeHead({ worktree: made!.worktree })).toEqual({
      head: start,
      branch: 'baton/run-1/impl/api',
    });
    await expect(a.createTaskWorktree({ ...key, task: 'a/../b' })).rejects.toThrow(/not a valid id/);
    await expect(a.createTaskWorktree({ ...key, runId: 'r..1' })).rejects.toThrow(/branch name/);
    await expect(a.worktreeHead({ worktree: '/etc' })).rejects.toThrow(/outside the workspace root/);
  });

  it('merges disjoint tasks cleanly, and a retry of a merged task does not merge it twice', async () => {
    const { worktree, task, merge } = await setup();
    await task('api', { 'api/server.js': 'server\n' });
    await task('ui', { 'ui/app.js': 'app\n' }, { 'ui/style.css': 'css\n' });
    const before = count(worktree);
    const first = await merge('api');
    expect(first).toMatchObject({ outcome: 'merged', conflicts: [], sides: [], renames: 0 });
    expectTidy(worktree);
    const second = await merge('ui');
    expect(second.outcome).toBe('merged');
    expectTidy(worktree);
    // One merge commit per task (plus the tasks' own three commits).
    expect(count(worktree)).toBe(before + 2 + 3);
    expect(git(worktree, 'log', '-1', '--format=%B')).toContain('Baton-Merged-Task: impl/ui');
    expect(await readFile(join(worktree, 'api/server.js'), 'utf8')).toBe('server\n');
    expect(await readFile(join(worktree, 'ui/style.css'), 'utf8')).toBe('css\n');
    // A retry after a crash: the same answer, no new commit.
    expect(await merge('ui')).toEqual(second);
    expect(await merge('api')).toMatchObject({ outcome: 'merged', commit: second.commit, conflicts: [] });
    expect(count(worktree)).toBe(before + 5);
  });

  it('squash writes one commit per task, rebase replays its commits; retries recognise both by trailer', async () => {
    const { worktree, task, merge } = await setup({ 'shared.txt': 'a\nb\nc\nd\ne\n' });
    await task('one', { 'one.txt': '1\n' }, { 'one.txt': '1\n2\n' });
    await task('two', { 'two.txt': 'x\n' }, { 'shared.txt': 'a\nb\nc\nd\nE\n' }, { 'two.txt': 'x\ny\n' });
    const before = count(worktree);
    const squashed = await merge('one', { strategy: 'squash' });
    expect(squashed.outcome).toBe('merged');
    expect(count(worktree)).toBe(before + 1);
    expect(git(worktree, 'rev-list', '--parents', '-1', 'HEAD').split(' ')).toHaveLength(2);
    expect(show(worktree, 'one.txt')).toBe('1\n2');
    expect(await merge('one', { strategy: 'squash' })).toEqual(squashed);
    expect(count(worktree)).toBe(before + 1);

    const rebased = await merge('two', { strategy: 'rebase' });
    expect(rebased.outcome).toBe('merged');
    expect(count(worktree)).toBe(before + 4);
    // Linear: no merge commit, the task's three commits replayed in order.
    expect(git(worktree, 'rev-list', '--merges', '--count', 'HEAD')).toBe('0');
    expect(show(worktree, 'two.txt', 'HEAD~2')).toBe('x');
    expect(show(worktree, 'shared.txt', 'HEAD~1')).toBe('a\nb\nc\nd\nE');
    expect(show(worktree, 'two.txt')).toBe('x\ny');
    expect(await merge('two', { strategy: 'rebase' })).toEqual(rebased);
    expect(count(worktree)).toBe(before + 4);
    expectTidy(worktree);
  });

  it('keeps one recovery ref per pass, never moved by a retry, and resets to it', async () => {
    const { activities: a, worktree, task, merge } = await setup();
    const head = git(worktree, 'rev-parse', 'HEAD');
    const begun = await a.beginMergeQueue({ worktree, phase: 'impl', run: 1, pass: 1 });
    expect(begun).toEqual({ recovery: head, ref: 'refs/baton/recovery/impl/1/1' });
    await task('api', { 'api.js': 'x\n' });
    const merged = await merge('api');
    // A retry after the queue began returns the ref as it was.
    expect(await a.beginMergeQueue({ worktree, phase: 'impl', run: 1, pass: 1 })).toEqual(begun);
    expect((await a.beginMergeQueue({ worktree, phase: 'impl', run: 1, pass: 2 })).recovery).toBe(
      merged.commit,
    );
    await writeFile(join(worktree, 'junk.txt'), 'junk');
    expect(await a.resetIntegration({ worktree, to: begun.recovery })).toEqual({ head });
    expect(existsSync(join(worktree, 'api.js'))).toBe(false);
    expectTidy(worktree);
    await expect(a.resetIntegration({ worktree, to: 'f'.repeat(40) })).rejects.toThrow(
      /not in the run's repository/,
    );
  });

  it('cleans up task worktrees and branches, idempotently, and only baton branches', async () => {
    const { activities: a, workspace, task, tasks } = await setup();
    await task('api', { 'a.js': 'a\n' });
    await task('ui', { 'u.js': 'u\n' });
    const worktrees = [...tasks.values()].map((t) => t.worktree);
    const branches = [...tasks.values()].map((t) => t.branch);
    expect(await a.cleanupTasks({ workspace, worktrees, branches, deleteBranches: false })).toEqual({
      removed: 2,
      deleted: 0,
    });
    expect(git(workspace, 'branch', '--list', 'baton/run-1/*')).toContain('baton/run-1/impl/api');
    expect(await a.cleanupTasks({ workspace, worktrees, branches, deleteBranches: true })).toEqual({
      removed: 0,
      deleted: 2,
    });
    expect(await a.cleanupTasks({ workspace, worktrees, branches, deleteBranches: true })).toEqual({
      removed: 0,
      deleted: 0,
    });
    expect(worktrees.some((w) => existsSync(w))).toBe(false);
    expect(git(workspace, 'branch', '--list', 'baton/run-1/*')).toBe('');
    await expect(
      a.cleanupTasks({ workspace, worktrees: [], branches: ['main'], deleteBranches: true }),
    ).rejects.toThrow(/only Baton's task branches/);
  });
});
