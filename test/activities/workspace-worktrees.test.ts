import { execFileSync } from 'node:child_process';
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createActivities } from '../../src/activities';
import { defineAgent } from '../../src/activities/agents/agent';
import { createArtifactStore } from '../../src/store/artifacts';
import { worktreeOf } from '../../src/activities/workspace';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd }).toString().trim();
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Runs an activity as the given attempt, in a mock activity context. */
const call = <I, O>(fn: (input: I) => Promise<O>, input: I, attempt = 1): Promise<O> =>
  new MockActivityEnvironment({ attempt }).run<[I], O, (input: I) => Promise<O>>(fn, input);

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'baton-worktrees-'));
  const counter = join(dir, 'runs.txt');
  const writer = defineAgent({
    name: 'writer',
    description: 'writes a file and counts its runs outside the workspace',
    input: z.object({ file: z.string(), text: z.string() }),
    output: z.object({}),
    async run({ file, text }, ctx) {
      await writeFile(counter, String(Number(await readFile(counter, 'utf8').catch(() => '0')) + 1));
      await writeFile(join(ctx.workspace, file), text);
      return {};
    },
  });
  const root = join(dir, 'ws');
  const activities = createActivities({
    agents: [writer],
    workspaceRoot: root,
    artifacts: createArtifactStore(join(dir, 'artifacts')),
  });
  return { dir, root, counter, activities };
}

describe('workspace activities', () => {
  it('run a phase in its worktree, commit on its branch, merge into main and remove the checkout', async () => {
    const { root, counter, activities: a } = await setup();
    const ids = { workflowId: 'wf/../1', runId: 'r-1' };
    const { workspace, head } = await call(a.prepareWorkspace, ids);
    expect(workspace).toBe(join(root, 'wf%2F..%2F1', 'r-1'));
    // Idempotent: preparing again finds the same repository and first commit.
    expect(await call(a.prepareWorkspace, ids)).toEqual({ workspace, head });

    const tree = await call(a.createWorktree, { workspace, phase: 'spec', base: head });
    expect(tree).toEqual({ worktree: worktreeOf(workspace, 'spec'), branch: 'baton/spec' });
    expect(await call(a.createWorktree, { workspace, phase: 'spec', base: head })).toEqual(tree);

    const request = { ...ids, phase: 'spec', agent: 'writer', input: { file: 'a.txt', text: 'A' }, run: 1 };
    const first = await call(a.runAgent, { ...request, worktree: tree.worktree });
    expect(git(tree.worktree, 'rev-parse', 'baton/spec')).toBe(first.commit);
    expect(git(workspace, 'rev-parse', 'main')).toBe(head);
    expect(await exists(join(workspace, 'a.txt'))).toBe(false);
    // A retry after the commit finds it on the phase's branch instead of running the agent again.
    const retried = await call(a.runAgent, { ...request, worktree: tree.worktree }, 2);
    expect(retried).toMatchObject({ replayed: true, commit: first.commit });
    expect(await readFile(counter, 'utf8')).toBe('1');

    const merged = await call(a.mergeWorktree, { workspace, phase: 'spec', branch: tree.branch });
    expect(merged).toEqual({ commit: first.commit, fastForward: true });
    expect(await readFile(join(workspace, 'a.txt'), 'utf8')).toBe('A');
    // A retried merge finds the work merged already.
    expect(await call(a.mergeWorktree, { workspace, phase: 'spec', branch: tree.branch }, 2)).toEqual(merged);

    expect(await call(a.removeWorktree, { workspace, worktree: tree.worktree })).toEqual({
      removed: true,
    });
    expect(await call(a.removeWorktree, { workspace, worktree: tree.worktree })).toEqual({
      removed: false,
    });
    expect(await exists(tree.worktree)).toBe(false);
    expect(git(workspace, 'rev-parse', 'baton/spec')).toBe(first.commit);
  });

  it('commitWorktree commits only what its worktree holds, with the Baton-Key trailer', async () => {
    const { activities: a } = await setup();
    const ids = { workflowId: 'wf', runId: 'r' };
    const { workspace, head } = await call(a.prepareWorkspace, ids);
    const left = await call(a.createWorktree, { workspace, phase: 'left', base: head });
    const right = await call(a.createWorktree, { workspace, phase: 'right', base: head });
    await writeFile(join(left.worktree, 'left.txt'), 'l');
    await writeFile(join(right.worktree, 'right.txt'), 'r');
    const key = { ...ids, run: 1, attempt: 1, agent: 'manual' };
    const committed = await call(a.commitWorktree, { worktree: left.worktree, phase: 'left', ...key });
    expect(committed.changed).toEqual([{ path: 'left.txt', kind: 'file' }]);
    expect(git(workspace, 'log', '-1', '--format=%B', 'baton/left')).toContain('Baton-Key: wf/r/left/1');
  });

  it('refuses paths outside the workspace root', async () => {
    const { dir, activities: a } = await setup();
    const outside = join(dir, 'elsewhere');
    await expect(
      call(a.createWorktree, { workspace: outside, phase: 'spec', base: 'a'.repeat(40) }),
    ).rejects.toMatchObject({ type: 'Agent.BadInput', nonRetryable: true });
    await expect(
      call(a.runAgent, {
        workflowId: 'wf',
        runId: 'r',
        phase: 'spec',
        agent: 'writer',
        input: { file: 'x', text: 'x' },
        run: 1,
        worktree: outside,
      }),
    ).rejects.toMatchObject({ type: 'Agent.BadInput', nonRetryable: true });
    expect(await exists(join(outside, 'x'))).toBe(false);
  });
});
