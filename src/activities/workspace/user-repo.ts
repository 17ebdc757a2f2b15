/**
 * Runs on the user's own repository (`--repo`). The run's workspace is a local clone of it at the
 * run's base commit, not a worktree: the phases' and tasks' branches, their merges and Baton's
 * bookkeeping stay in the clone, the user's `.git` gets no worktree entries or locks, and only one
 * branch reaches the user's repository, `baton/<run id>`, pushed there each time the run's main
 * branch moves. A clone of a local path hard-links the objects (bench/repo-workspace.ts measures its cost).
 */
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { badInput } from '../failures';
import { WORKSPACE_CONFIG, type RepoTarget } from '../../shared/repo-target';
import { escapeControlChars } from '../../shared/limits';
import { git, gitSucceeds } from './git';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Why the worker cannot use the repository the client named, or undefined when it can. */
async function unreachable(repo: RepoTarget): Promise<string | undefined> {
  const here = hostname();
  const where =
    repo.host === here
      ? ''
      : ` The run was started on host "${escapeControlChars(repo.host)}" and this worker runs on "${escapeControlChars(here)}": ` +
        `--repo needs a worker on the machine that has the repository (start one there with \`baton worker\`), ` +
        'or a path both machines share.';
  const path = JSON.stringify(repo.path);
  if (!(await exists(repo.path)))
    return `The repository ${path} does not exist on the worker's machine.${where}`;
  if (!(await gitSucceeds(repo.path, ['rev-parse', '--git-dir']))) {
    return `${path} is not a git repository on the worker's machine.${where}`;
  }
  if (!(await gitSucceeds(repo.path, ['cat-file', '-e', `${repo.commit}^{commit}`]))) {
    return `The repository ${path} has no commit ${repo.commit} (--base ${JSON.stringify(repo.base)}) on the worker's machine.${where}`;
  }
  return undefined;
}

/** The config value, or undefined when it is not set. */
async function configOf(dir: string, key: string): Promise<string | undefined> {
  const value = await git(dir, ['config', '--get', key]).then(
    (out) => out.trim(),
    () => '',
  );
  return value || undefined;
}

/**
 * Makes the run's workspace a clone of the user's repository, on branch `main` at the run's base
 * commit, and publishes that as `baton/<run id>`. Idempotent: a retry finds the clone (a half-made
 * one is in a temporary directory, which a retry replaces).
 */
export async function cloneUserRepo(workspace: string, repo: RepoTarget): Promise<void> {
  if ((await configOf(workspace, WORKSPACE_CONFIG.source).catch(() => undefined)) === repo.path) {
    await publishBranch(workspace);
    return;
  }
  const problem = await unreachable(repo);
  if (problem) throw badInput(problem);
  const partial = `${workspace}.cloning`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(dirname(workspace), { recursive: true });
  await git(dirname(workspace), ['clone', '-q', '--no-checkout', repo.path, partial]);
  await git(partial, ['checkout', '-q', '-B', 'main', repo.commit]);
  await git(partial, ['config', WORKSPACE_CONFIG.source, repo.path]);
  await git(partial, ['config', WORKSPACE_CONFIG.branch, repo.branch]);
  // A workspace dir left from an earlier attempt without a clone in it (nothing of value) goes.
  await rm(workspace, { recursive: true, force: true });
  await rename(partial, workspace);
  await publishBranch(workspace);
}

/**
 * Pushes the workspace's main branch to `baton/<run id>` in the user's repository, when `dir` is a
 * `--repo` run's workspace on `main` (a phase's or a task's worktree is not: its work arrives with
 * the merge). Fast-forward only: a branch someone else moved is reported, never overwritten.
 */
export async function publishBranch(dir: string): Promise<void> {
  const branch = await configOf(dir, WORKSPACE_CONFIG.branch);
  if (branch === undefined) return;
  const head = (await git(dir, ['symbolic-ref', '-q', 'HEAD']).catch(() => '')).trim();
  if (head !== 'refs/heads/main') return;
  const source = (await configOf(dir, WORKSPACE_CONFIG.source)) ?? '(unknown)';
  await git(dir, ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`]).catch((error: unknown) => {
    const said = error instanceof Error ? error.message : String(error);
    if (/non-fast-forward|fetch first|rejected/i.test(said)) {
      throw badInput(
        `Branch ${branch} in ${source} has commits this run did not make, so the run's work cannot be ` +
          `published there; the work is safe in the run's workspace ${dir}. Move that branch aside ` +
          `(git -C ${source} branch -m ${branch} ${branch}-old) and retry the phase.`,
      );
    }
    throw error;
  });
}
