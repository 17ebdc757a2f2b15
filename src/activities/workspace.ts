import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Git operations on one workspace run one at a time: concurrent phases share the repository. */
const locks = new Map<string, Promise<unknown>>();
async function locked<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(dir) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  locks.set(
    dir,
    next.catch(() => undefined),
  );
  return next;
}

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Baton',
      GIT_AUTHOR_EMAIL: 'baton@localhost',
      GIT_COMMITTER_NAME: 'Baton',
      GIT_COMMITTER_EMAIL: 'baton@localhost',
    },
  });
  return stdout;
}

/** Creates the run's workspace as a git repository with a first commit, if it is not one yet. */
export async function ensureRepository(dir: string, workflowId: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await locked(dir, async () => {
    const isRepo = await git(dir, ['rev-parse', '--is-inside-work-tree']).then(
      (out) =>
        out.trim() === 'true' && git(dir, ['rev-parse', '--show-toplevel']).then((top) => top.trim() === dir),
      () => false,
    );
    if (isRepo) return;
    await git(dir, ['init', '-q', '-b', 'main']);
    await git(dir, ['commit', '-q', '--allow-empty', '-m', `baton: workspace of run ${workflowId}`]);
  });
}

export interface PhaseKey {
  workflowId: string;
  phase: string;
  /** The run of the phase (gates may run it again). */
  run: number;
}

const keyOf = (key: PhaseKey) => `${key.workflowId}/${key.phase}/${key.run}`;

/** The commit that finished this run of the phase before, if any (a retry after a crash). */
export async function findPhaseCommit(dir: string, key: PhaseKey): Promise<string | undefined> {
  return locked(dir, async () => {
    const out = await git(dir, [
      'log',
      '--fixed-strings',
      `--grep=Baton-Key: ${keyOf(key)}`,
      '--format=%H',
      '-n',
      '1',
    ]);
    return out.trim() || undefined;
  });
}

export async function readAtCommit(dir: string, commit: string, path: string): Promise<string> {
  return git(dir, ['show', `${commit}:${path}`]);
}

export interface PhaseCommit {
  commit: string;
  /** Files added or modified by this commit, workspace-relative. */
  changed: string[];
}

/** Commits everything in the workspace as this phase's work; one commit per run of a phase. */
export async function commitPhase(
  dir: string,
  key: PhaseKey & { attempt: number; agent: string },
): Promise<PhaseCommit> {
  return locked(dir, async () => {
    await git(dir, ['add', '-A']);
    const message = [
      `baton: ${key.phase} (${key.agent}), run ${key.run}, attempt ${key.attempt}`,
      '',
      `Workflow: ${key.workflowId}`,
      `Baton-Key: ${keyOf(key)}`,
    ].join('\n');
    await git(dir, ['commit', '-q', '--allow-empty', '--no-verify', '-m', message]);
    const commit = (await git(dir, ['rev-parse', 'HEAD'])).trim();
    return { commit, changed: await changedIn(dir, commit) };
  });
}

/** Files a commit added or modified. */
export async function changedIn(dir: string, commit: string): Promise<string[]> {
  const out = await git(dir, [
    'diff-tree',
    '--no-commit-id',
    '--name-only',
    '-r',
    '--diff-filter=AM',
    commit,
  ]);
  return out.split('\n').filter(Boolean);
}

export const resultPath = (phase: string, run: number) => join('.baton', 'results', `${phase}.${run}.json`);
