import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { escapeControlChars } from '../shared/limits';

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

/** Encoded names longer than this become a prefix plus a digest: file systems allow 255 bytes. */
const MAX_DIR_NAME = 200;
const DIGEST_PREFIX = MAX_DIR_NAME - 64 - 1;

/**
 * The one way an id (a workflow id or a run id, which can come from any Temporal client) becomes a
 * directory name. Letters, digits, `_` and `-` stay; `.` stays unless it leads (so `.`, `..` and
 * hidden names cannot appear); every other UTF-8 byte, `%` included, becomes `%XX`, so two ids never
 * share a name. A name over 200 bytes keeps its first 135 and adds `~` and the id's sha256: `~`
 * never appears in a short name, so a long id cannot collide with a short one.
 */
export function workspaceDirName(id: string): string {
  if (id === '') {
    throw ApplicationFailure.create({
      message: 'the workflow id or run id is empty; a workspace needs a non-empty id',
      type: 'Agent.BadInput',
      nonRetryable: true,
    });
  }
  let name = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    const char = String.fromCharCode(byte);
    const safe = /[A-Za-z0-9_-]/.test(char) || (char === '.' && name !== '');
    name += safe ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (name.length <= MAX_DIR_NAME) return name;
  // Cut before a partial %XX, so the prefix still reads as the id's start.
  const cut = name.slice(0, DIGEST_PREFIX).replace(/%[0-9A-F]?$/, '');
  return `${cut}~${createHash('sha256').update(id, 'utf8').digest('hex')}`;
}

/**
 * The workspace of one workflow run: `<root>/<workflow id>/<run id>`, both through
 * `workspaceDirName`, so a reused workflow id (or a reset) never shares files with an earlier run.
 * The path is checked to be inside the root as a second guard.
 */
export function workspaceOf(root: string, workflowId: string, runId: string): string {
  const base = resolve(root);
  const dir = resolve(base, workspaceDirName(workflowId), workspaceDirName(runId));
  const rel = relative(base, dir);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw ApplicationFailure.create({
      message: `the workspace of workflow ${JSON.stringify(workflowId)} (run ${JSON.stringify(runId)}) would be ${dir}, outside the workspace root ${base}; refusing to write there`,
      type: 'Agent.BadInput',
      nonRetryable: true,
    });
  }
  return dir;
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
    await git(dir, [
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      `baton: workspace of run ${escapeControlChars(workflowId)}`,
    ]);
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

// Control characters are escaped so an id cannot add lines (a forged trailer) to a commit message.
const keyOf = (key: PhaseKey) => escapeControlChars(`${key.workflowId}/${key.runId}/${key.phase}/${key.run}`);

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

/** A file a commit added or modified, and what git holds for it. */
export interface ChangedFile {
  /** Workspace-relative, posix. */
  path: string;
  /** `file` (mode 100644/100755); `symlink`: git holds the link text, not the target; `submodule`: a nested repository. */
  kind: 'file' | 'symlink' | 'submodule';
}

export interface PhaseCommit {
  commit: string;
  /** Files added or modified by this commit. */
  changed: ChangedFile[];
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
      `Workflow: ${escapeControlChars(key.workflowId)}`,
      `Baton-Key: ${keyOf(key)}`,
    ].join('\n');
    await git(dir, ['commit', '-q', '--allow-empty', '--no-verify', '-m', message]);
    const commit = (await git(dir, ['rev-parse', 'HEAD'])).trim();
    return { commit, changed: await changedIn(dir, commit) };
  });
}

const KIND_OF_MODE: Record<string, ChangedFile['kind']> = {
  '100644': 'file',
  '100755': 'file',
  '120000': 'symlink',
  '160000': 'submodule',
};

/** Files a commit added or modified, with their kind (from the git mode). */
export async function changedIn(dir: string, commit: string): Promise<ChangedFile[]> {
  // -z: paths are not quoted, and a name holding a newline stays one entry.
  const out = await git(dir, ['diff-tree', '--no-commit-id', '-r', '-z', '--diff-filter=AM', commit]);
  const fields = out.split('\0');
  const changed: ChangedFile[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const mode = fields[i]!.split(' ')[1] ?? '';
    changed.push({ path: fields[i + 1]!, kind: KIND_OF_MODE[mode] ?? 'file' });
  }
  return changed;
}

export const resultPath = (phase: string, run: number) => join('.baton', 'results', `${phase}.${run}.json`);
