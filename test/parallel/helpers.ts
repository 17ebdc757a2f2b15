import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import type { DefinitionInput } from '../../src/shared/definition';
import type { ParallelStatus, TaskInput } from '../../src/shared/parallel';
import type { RunStatus } from '../../src/shared/status';

export const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd }).toString();

/** A task that writes files with the write-files agent. */
export const writes = (
  id: string,
  files: Record<string, string>,
  extra: Partial<TaskInput> = {},
): TaskInput => ({
  id,
  agent: 'write-files',
  input: { files, ...(extra.input ?? {}) },
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'input')),
});

/** A seed phase writing `files`, then a parallel phase over `tasks`. */
export function seeded(
  files: Record<string, string>,
  tasks: TaskInput[],
  parallel: Record<string, unknown> = {},
  merge: Record<string, unknown> = {},
): DefinitionInput {
  return {
    name: 'parallel-test',
    phases: [
      { id: 'seed', agent: 'write-files', input: { files } },
      { id: 'work', needs: ['seed'], parallel: { tasks, maxConcurrent: 4, ...parallel }, merge },
    ],
  };
}

export const parallelOf = (status: RunStatus, phase = 'work'): ParallelStatus => {
  const found = status.phases.find((p) => p.id === phase)?.parallel;
  if (!found) throw new Error(`phase ${phase} has no parallel status: ${JSON.stringify(status.phases)}`);
  return found;
};

/** The task worktrees still on disk for the run's workspace. */
export async function taskWorktrees(workspace: string): Promise<string[]> {
  const entries = await readdir(`${workspace}~worktrees`).catch(() => [] as string[]);
  return entries.filter((e) => e.includes('.'));
}

/** Branches of the run's workspace whose name starts with `prefix`. */
export const branches = (workspace: string, prefix = 'baton/') =>
  git(workspace, 'branch', '--format=%(refname:short)')
    .split('\n')
    .filter((b) => b.startsWith(prefix));
