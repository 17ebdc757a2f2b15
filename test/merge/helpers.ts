/** A run's repository with an integration worktree and task branches, for the merge-queue activities. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { createMergeActivities } from '../../src/activities/merge';
import { createWorkspaceActivities } from '../../src/activities/workspace';
import { type MergeTaskInput, MergeTaskInputSchema } from '../../src/shared/merge-contract';

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  })
    .toString()
    .trim();

export type Files = Record<string, string | null>;

export async function write(dir: string, files: Files): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    if (content === null) await rm(file, { force: true });
    else {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }
  }
}

/** Commits files in a directory; returns the commit. */
export async function commit(dir: string, files: Files, message = 'work'): Promise<string> {
  await write(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** A repository whose first commit holds `base`, an integration worktree on `baton/impl`, and task branches. */
export async function setup(base: Files = { 'README.md': 'hello\n' }) {
  const root = await mkdtemp(join(tmpdir(), 'baton-merge-'));
  const workspace = join(root, 'wf', 'run');
  await mkdir(workspace, { recursive: true });
  git(workspace, 'init', '-q', '-b', 'main');
  const start = await commit(workspace, base, 'base');
  const activities = createMergeActivities({ workspaceRoot: root });
  const { worktree } = await createWorkspaceActivities({ workspaceRoot: root }).createWorktree({
    workspace,
    phase: 'impl',
    base: start,
  });
  const tasks = new Map<string, { worktree: string; branch: string }>();
  /** A task's branch from the phase's base, with one commit per `files` given. */
  const task = async (id: string, ...commits: Files[]) => {
    const made = await activities.createTaskWorktree({
      workspace,
      runId: 'run-1',
      phase: 'impl',
      task: id,
      base: start,
    });
    tasks.set(id, made);
    for (const files of commits) await commit(made.worktree, files, `task ${id}`);
    return made.branch;
  };
  const finished: string[] = [];
  const merged: string[] = [];
  /** mergeTask with the defaults a workflow passes; records the merge when it went through. */
  const merge = async (id: string, extra: Partial<MergeTaskInput> = {}) => {
    if (!finished.includes(id)) finished.push(id);
    const input = MergeTaskInputSchema.parse({
      worktree,
      phase: 'impl',
      task: id,
      branch: tasks.get(id)?.branch,
      strategy: 'merge',
      rules: {},
      finished,
      merged: [...merged],
      renames: 0,
      ...extra,
    });
    const result = await activities.mergeTask(input);
    if (result.outcome === 'merged' && !merged.includes(id)) merged.push(id);
    return result;
  };
  return { root, workspace, worktree, start, activities, task, merge, tasks, finished, merged };
}

/** The worktree is as every merge must leave it: no merge in progress, nothing uncommitted. */
export function expectTidy(worktree: string): void {
  const gitDir = git(worktree, 'rev-parse', '--absolute-git-dir');
  expect(existsSync(join(gitDir, 'MERGE_HEAD'))).toBe(false);
  expect(git(worktree, 'status', '--porcelain')).toBe('');
}

export const show = (dir: string, path: string, rev = 'HEAD') => git(dir, 'show', `${rev}:${path}`);
export const count = (dir: string, range = 'HEAD') => Number(git(dir, 'rev-list', '--count', range));
