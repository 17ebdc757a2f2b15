import { execFile } from 'node:child_process';
import { mkdir, realpath } from 'node:fs/promises';
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

const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Baton',
  GIT_AUTHOR_EMAIL: 'baton@localhost',
  GIT_COMMITTER_NAME: 'Baton',
  GIT_COMMITTER_EMAIL: 'baton@localhost',
};

async function git(dir: string, args: string[]): Promise<string> {
  return (await gitBytes(dir, args)).toString('utf8');
}

/** Raw bytes: file contents must not go through a text decoding (binary files would be mangled). */
async function gitBytes(dir: string, args: string[]): Promise<Buffer> {
  const { stdout } = await exec('git', args, {
    cwd: dir,
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...GIT_ENV },
  });
  return stdout;
}

/** Creates the run's workspace as a git repository with a first commit, if it is not one yet. */
export async function ensureRepository(dir: string, workflowId: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await locked(dir, async () => {
    // The workspace must be its own repository, not a folder inside another one.
    const top = await git(dir, ['rev-parse', '--show-toplevel']).then(
      (out) => realpath(out.trim()),
      () => undefined,
    );
    const isRepo = top !== undefined && top === (await realpath(dir));
    if (isRepo) return;
    await git(dir, ['init', '-q', '-b', 'main']);
    await git(dir, ['commit', '-q', '--allow-empty', '-m', `baton: workspace of run ${workflowId}`]);
  });
}

export interface PhaseKey {
  workflowId: string;
  /** The workflow run: a reused workflow id or a reset starts from scratch. */
  runId: string;
  phase: string;
  /** The run of the phase (gates may run it again). */
  run: number;
}

const keyOf = (key: PhaseKey) => `${key.workflowId}/${key.runId}/${key.phase}/${key.run}`;

/** The commit that finished this run of the phase before, if any (a retry after a crash). */
export async function findPhaseCommit(dir: string, key: PhaseKey): Promise<string | undefined> {
  return locked(dir, async () => {
    // Narrow with git's substring search, then match the trailer line exactly (a/1 must not match a/10).
    const wanted = `Baton-Key: ${keyOf(key)}`;
    const out = await git(dir, ['log', '-z', '--fixed-strings', `--grep=${wanted}`, '--format=%H%n%B']);
    for (const entry of out.split('\0')) {
      const [commit, ...body] = entry.trim().split('\n');
      if (commit && body.some((line) => line.trim() === wanted)) return commit;
    }
    return undefined;
  });
}

/** A file's bytes as a commit holds them. */
export async function readAtCommit(dir: string, commit: string, path: string): Promise<Buffer> {
  return gitBytes(dir, ['show', `${commit}:${path}`]);
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
