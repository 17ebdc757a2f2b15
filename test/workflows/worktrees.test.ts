import { execFileSync } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/activities/agents/agent';
import { workspaceOf, worktreeOf } from '../../src/activities/workspace';
import { startRun, waitForResult } from '../../src/client/runs';
import { phasesAlone } from '../../src/workflows/workspace';
import type { RunSummary } from '../../src/shared/status';
import { testAgents } from '../helpers/agents';
import { definition, useWorker } from '../helpers/env';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Writes `content` to `file`, then waits until each peer has started: phases using it run at the
 * same time, each in its own worktree, and none finishes before the others have written.
 */
const writerAgent = defineAgent({
  name: 'writer',
  description: 'writes a file, then meets its peers',
  input: z.object({ file: z.string(), content: z.string(), peers: z.array(z.string()).default([]) }),
  output: z.object({ wrote: z.string(), sawPeerFiles: z.boolean() }),
  async run({ file, content, peers }, ctx) {
    await writeFile(join(ctx.workspace, file), content);
    const meeting = join(tmpdir(), 'baton-writers', encodeURIComponent(`${ctx.workflowId}/${ctx.runId}`));
    await mkdir(meeting, { recursive: true });
    await writeFile(join(meeting, ctx.phase), '');
    for (let i = 0; i < 400; i++) {
      const present = await Promise.all(peers.map((p) => exists(join(meeting, p))));
      if (present.every(Boolean)) break;
      ctx.heartbeat();
      await new Promise((r) => setTimeout(r, 50));
    }
    // A sibling's files never show up in this phase's worktree.
    const others = await Promise.all(peers.map((p) => exists(join(ctx.workspace, `${p}.txt`))));
    return { wrote: file, sawPeerFiles: others.some(Boolean) };
  },
});

const shared = useWorker({ prefix: 'worktrees', agents: [...testAgents(), writerAgent] });
const agents = ['writer', 'echo'];
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd }).toString();
const filesOf = (cwd: string, commit: string) =>
  git(cwd, 'show', '--name-only', '--format=', commit).trim().split('\n').filter(Boolean).sort();

describe('a worktree per phase', () => {
  it('knows which phases can never run alongside another', () => {
    const ids = (phases: Parameters<typeof definition>[0]) =>
      [...phasesAlone(definition(phases) as never)].sort();
    expect(
      ids([
        { id: 'a', agent: 'echo' },
        { id: 'b', agent: 'echo', needs: ['a'] },
        { id: 'c', agent: 'echo', needs: ['b'] },
      ]),
    ).toEqual(['a', 'b', 'c']);
    // A diamond: the two middle phases may run together; the ends never run with anything.
    expect(
      ids([
        { id: 'a', agent: 'echo' },
        { id: 'l', agent: 'echo', needs: ['a'] },
        { id: 'r', agent: 'echo', needs: ['a'] },
        { id: 'z', agent: 'echo', needs: ['l', 'r'] },
      ]),
    ).toEqual(['a', 'z']);
    expect(
      ids([
        { id: 'x', agent: 'echo' },
        { id: 'y', agent: 'echo' },
      ]),
    ).toEqual([]);
  });

  it('lets a phase that runs alone commit on main itself, with no worktree or branch of its own', async () => {
    const { workflowId, firstRunId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        { id: 'first', agent: 'writer', input: { file: 'first.txt', content: '1\n' } },
        { id: 'second', agent: 'writer', needs: ['first'], input: { file: 'second.txt', content: '2\n' } },
      ]),
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    const workspace = workspaceOf(shared.workspaceRoot, workflowId, firstRunId);
    const phase = (id: string) => summary.phases.find((p) => p.id === id)!;
    expect(filesOf(workspace, phase('first').commit!)).toEqual(['.baton/results/first.1.json', 'first.txt']);
    expect(filesOf(workspace, phase('second').commit!)).toEqual([
      '.baton/results/second.1.json',
      'second.txt',
    ]);
    expect(git(workspace, 'rev-parse', 'main').trim()).toBe(phase('second').commit);
    expect(phase('second').merged).toBe(phase('second').commit);
    expect(git(workspace, 'branch', '--format=%(refname:short)').trim()).toBe('main');
    expect(git(workspace, 'log', '--merges', '--format=%s', 'main').trim()).toBe('');
  });

  it('commits each concurrent phase with exactly its own files, and main ends with both', async () => {
    const { workflowId, firstRunId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        { id: 'left', agent: 'writer', input: { file: 'left.txt', content: 'L\n', peers: ['right'] } },
        { id: 'right', agent: 'writer', input: { file: 'right.txt', content: 'R\n', peers: ['left'] } },
        { id: 'after', agent: 'echo', needs: ['left', 'right'] },
      ]),
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(summary.outputs.left).toEqual({ wrote: 'left.txt', sawPeerFiles: false });
    expect(summary.outputs.right).toEqual({ wrote: 'right.txt', sawPeerFiles: false });
    const workspace = workspaceOf(shared.workspaceRoot, workflowId, firstRunId);
    const phase = (id: string) => summary.phases.find((p) => p.id === id)!;

    expect(filesOf(workspace, phase('left').commit!)).toEqual(['.baton/results/left.1.json', 'left.txt']);
    expect(filesOf(workspace, phase('right').commit!)).toEqual(['.baton/results/right.1.json', 'right.txt']);
    // Each phase worked on its own branch; the first merge was a fast-forward, the second a merge commit.
    expect(git(workspace, 'rev-parse', 'baton/left').trim()).toBe(phase('left').commit);
    expect(git(workspace, 'rev-parse', 'baton/right').trim()).toBe(phase('right').commit);
    const merges = git(workspace, 'log', '--merges', '--format=%s', 'main').trim().split('\n');
    expect(merges).toHaveLength(1);
    // The dependent of both started from main with both merged, and main ends with everything.
    const tree = git(workspace, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n');
    expect(tree).toEqual(expect.arrayContaining(['left.txt', 'right.txt', 'after.json']));
    expect(git(workspace, 'show', `${phase('after').commit!}:left.txt`)).toBe('L\n');
    expect(git(workspace, 'show', `${phase('after').commit!}:right.txt`)).toBe('R\n');
    expect(phase('after').merged).toBe(git(workspace, 'rev-parse', 'main').trim());
    // The main checkout has the files too; the worktrees are gone, their branches stay.
    expect(await exists(join(workspace, 'left.txt'))).toBe(true);
    expect(await exists(join(workspace, 'right.txt'))).toBe(true);
    expect(await exists(worktreeOf(workspace, 'left'))).toBe(false);
    expect(git(workspace, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
  });

  it('fails the phase whose merge conflicts on the same line of the same file, naming the file', async () => {
    const { workflowId, firstRunId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        { id: 'base', agent: 'writer', input: { file: 'shared.txt', content: 'one\ntwo\n' } },
        {
          id: 'mine',
          agent: 'writer',
          needs: ['base'],
          input: { file: 'shared.txt', content: 'MINE\ntwo\n', peers: ['theirs'] },
        },
        {
          id: 'theirs',
          agent: 'writer',
          needs: ['base'],
          input: { file: 'shared.txt', content: 'THEIRS\ntwo\n', peers: ['mine'] },
        },
      ]),
    });
    const error = await shared.baton.client.workflow
      .getHandle(workflowId)
      .result()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('Baton.PhaseFailed');
    const summary = cause.details![0] as RunSummary;
    const failed = summary.phases.filter((p) => p.state === 'failed');
    expect(failed).toHaveLength(1);
    const [loser] = failed;
    const winner = loser!.id === 'mine' ? 'theirs' : 'mine';
    expect(summary.phases.find((p) => p.id === winner)!.state).toBe('done');
    expect(loser!.error).toMatchObject({ type: 'Baton.MergeConflict' });
    expect(loser!.error!.message).toContain('"shared.txt"');
    expect(summary.reason).toContain(`Phase "${loser!.id}" could not be merged`);
    expect(summary.reason).toContain('shared.txt');
    // Main holds the winner's line and no conflict markers; the loser's work stays on its branch.
    const workspace = workspaceOf(shared.workspaceRoot, workflowId, firstRunId);
    expect(git(workspace, 'show', 'main:shared.txt')).toBe(`${winner.toUpperCase()}\ntwo\n`);
    expect(git(workspace, 'status', '--porcelain').trim()).toBe('');
    expect(git(workspace, 'show', `baton/${loser!.id}:shared.txt`)).toBe(`${loser!.id.toUpperCase()}\ntwo\n`);
  });
});
