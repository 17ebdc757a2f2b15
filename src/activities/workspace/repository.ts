import { mkdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChangedFile, CommitWorktreeResult } from '../../shared/activity-contract';
import { escapeControlChars } from '../../shared/limits';
import { git, gitBytes, locked } from './git';
import { keyIndexOf, keysInLog, TRAILER } from './phase-keys';
import { publishBranch } from './user-repo';

export type { ChangedFile };

/** Workspaces this process found to be repositories of their own (they stay so: git never un-inits). */
const knownRepositories = new Set<string>();

const isDirectory = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Creates the run's workspace as a git repository with a first commit, if it is not one yet. */
export async function ensureRepository(dir: string, workflowId: string): Promise<void> {
  // Every phase of a run asks again: once this process has seen the repository, a look at its
  // `.git` is enough (two git processes less before each agent starts).
  if (knownRepositories.has(dir) && (await isDirectory(join(dir, '.git')))) return;
  await mkdir(dir, { recursive: true });
  await locked(dir, async () => {
    // The workspace must be its own repository, not a folder inside another one.
    const top = await git(dir, ['rev-parse', '--show-toplevel']).then(
      (out) => realpath(out.trim()),
      () => undefined,
    );
    const isRepo = top !== undefined && top === (await realpath(dir));
    if (isRepo) {
      knownRepositories.add(dir);
      return;
    }
    await git(dir, ['init', '-q', '-b', 'main']);
    await git(dir, [
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      `baton: workspace of run ${escapeControlChars(workflowId)}`,
    ]);
    knownRepositories.add(dir);
  });
}

/** The commit a directory's HEAD points at. */
export async function headOf(dir: string): Promise<string> {
  return (await git(dir, ['rev-parse', 'HEAD'])).trim();
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
  return (await lookupPhaseCommit(dir, key)).commit;
}

/**
 * `findPhaseCommit`, saying how it knew: from the repository's key index (no git process: the
 * usual case, a phase run for the first time), or from `git log` (which then rebuilds the index).
 */
export async function lookupPhaseCommit(
  dir: string,
  key: PhaseKey,
): Promise<{ commit: string | undefined; via: 'index' | 'git' }> {
  return locked(dir, async () => {
    const wanted = keyOf(key);
    const index = await keyIndexOf(dir);
    if (await index.absent(wanted)) return { commit: undefined, via: 'index' };
    const head = await index.head();
    const out = await git(dir, ['log', '-z', '--fixed-strings', `--grep=${TRAILER}`, '--format=%H%n%B']);
    const keys = keysInLog(out);
    await index.rebuild(head, keys.keys());
    return { commit: keys.get(wanted), via: 'git' };
  });
}

/** A file's bytes as a commit holds them. */
export async function readAtCommit(dir: string, commit: string, path: string): Promise<Buffer> {
  return gitBytes(dir, ['show', `${commit}:${path}`]);
}

/**
 * Commits everything in the directory (the phase's worktree, or the run's workspace in runs from
 * before worktrees) as this phase's work; one commit per run of a phase.
 */
export async function commitPhase(
  dir: string,
  key: PhaseKey & { attempt: number; agent: string },
): Promise<CommitWorktreeResult> {
  return locked(dir, async () => {
    await git(dir, ['add', '-A']);
    const phaseKey = keyOf(key);
    const message = [
      `baton: ${key.phase} (${key.agent}), run ${key.run}, attempt ${key.attempt}`,
      '',
      `Workflow: ${escapeControlChars(key.workflowId)}`,
      `${TRAILER}${phaseKey}`,
    ].join('\n');
    const index = await keyIndexOf(dir);
    const parent = await index.head();
    await git(dir, ['commit', '-q', '--allow-empty', '--no-verify', '-m', message]);
    const commit = await headOf(dir);
    await index.committed(parent, commit, phaseKey);
    // A phase alone commits on the run's main branch: a `--repo` run publishes it at once.
    await publishBranch(dir);
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
