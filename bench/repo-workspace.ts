/**
 * What `--repo` costs on a repository of real size: opening the run's workspace as a local clone
 * (what Baton does) against a `git worktree add` in the user's repository (the alternative it
 * declined), and a phase commit that publishes `baton/<run id>` against one that does not.
 * Figures are ratios within this run. `BENCH_REPO_FILES` (default 5000) sets the repository's size,
 * `BENCH_ROUNDS` (5) the repetitions; `npm run bench:repo`.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { cloneUserRepo, commitPhase } from '../src/activities/workspace';
import { count } from './env';

const exec = promisify(execFile);
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@x',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@x',
};
const git = async (cwd: string, ...args: string[]) => (await exec('git', args, { cwd, env })).stdout.trim();

const FILES = count('BENCH_REPO_FILES', 5000, 1);
const ROUNDS = count('BENCH_ROUNDS', 5, 1);

async function userRepository(dir: string): Promise<string> {
  await git(dir, 'init', '-q', '-b', 'main');
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, 'src', `m${i % 50}`);
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `f${i}.js`), `export const v${i} = ${i};\n`.repeat(20));
  }
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'project');
  // Packed, as a repository that has been cloned or pushed to is.
  await git(dir, 'gc', '-q');
  return git(dir, 'rev-parse', 'HEAD');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const root = await mkdtemp(join(tmpdir(), 'baton-bench-repo-'));
const user = join(root, 'user');
await mkdir(user);
const commit = await userRepository(user);
const clone: number[] = [];
const worktree: number[] = [];
const plainCommit: number[] = [];
const publishedCommit: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const workspace = join(root, `ws-${round}`);
  const branch = `baton/bench-${round}`;
  clone.push(
    await timed(() => cloneUserRepo(workspace, { path: user, base: 'HEAD', commit, branch, host: 'bench' })),
  );
  const tree = join(root, `wt-${round}`);
  worktree.push(await timed(() => git(user, 'worktree', 'add', '-q', '-b', `wt-${round}`, tree, commit)));
  await git(user, 'worktree', 'remove', '--force', tree);

  // The same commit in the same clone, with and without the push to the user's repository.
  const key = { workflowId: 'bench', runId: String(round), phase: 'p', run: 1, attempt: 1, agent: 'a' };
  await writeFile(join(workspace, 'x.txt'), 'x\n');
  publishedCommit.push(await timed(() => commitPhase(workspace, key)));
  await git(workspace, 'config', '--unset', 'baton.branch');
  await writeFile(join(workspace, 'y.txt'), 'y\n');
  plainCommit.push(await timed(() => commitPhase(workspace, { ...key, run: 2 })));
}
await rm(root, { recursive: true, force: true });

const ms = (v: number) => `${v.toFixed(1)} ms`;
console.log(`repository: ${FILES} files; ${ROUNDS} rounds; medians`);
console.log(
  `open workspace: clone ${ms(median(clone))}, git worktree add ${ms(median(worktree))}, ratio ${(median(clone) / median(worktree)).toFixed(2)}`,
);
console.log(
  `phase commit: publishing ${ms(median(publishedCommit))}, not publishing ${ms(median(plainCommit))}, ratio ${(median(publishedCommit) / median(plainCommit)).toFixed(2)}`,
);
