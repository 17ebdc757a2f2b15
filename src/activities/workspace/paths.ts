import { createHash } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { PHASE_ID } from '../../shared/definition';

/** Encoded names longer than this become a prefix plus a digest: file systems allow 255 bytes. */
const MAX_DIR_NAME = 200;
const DIGEST_PREFIX = MAX_DIR_NAME - 64 - 1;

function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'Agent.BadInput', nonRetryable: true });
}

/**
 * The one way an id (a workflow id or a run id, which can come from any Temporal client) becomes a
 * directory name. Letters, digits, `_` and `-` stay; `.` stays unless it leads (so `.`, `..` and
 * hidden names cannot appear); every other UTF-8 byte, `%` included, becomes `%XX`, so two ids never
 * share a name. A name over 200 bytes keeps its first 135 and adds `~` and the id's sha256: `~`
 * never appears in a short name, so a long id cannot collide with a short one.
 */
export function workspaceDirName(id: string): string {
  if (id === '') throw badInput('the workflow id or run id is empty; a workspace needs a non-empty id');
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

/** Refuses a path that is not strictly inside the root: inputs carry paths, and they may be forged. */
export function insideRoot(root: string, path: string, what: string): string {
  const base = resolve(root);
  const dir = resolve(base, path);
  const rel = relative(base, dir);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw badInput(
      `the ${what} would be ${dir}, outside the workspace root ${base}; refusing to write there`,
    );
  }
  return dir;
}

/**
 * The workspace of one workflow run: `<root>/<workflow id>/<run id>`, both through
 * `workspaceDirName`, so a reused workflow id (or a reset) never shares files with an earlier run.
 * The path is checked to be inside the root as a second guard.
 */
export function workspaceOf(root: string, workflowId: string, runId: string): string {
  return insideRoot(
    root,
    join(workspaceDirName(workflowId), workspaceDirName(runId)),
    `workspace of workflow ${JSON.stringify(workflowId)} (run ${JSON.stringify(runId)})`,
  );
}

/**
 * Where a phase's worktree lives: next to the run's repository, in `<run id>~worktrees/<phase>`
 * (`workspaceDirName` never makes a name ending in `~worktrees`, so it cannot be another run's).
 * Outside the repository's own working tree, so the main checkout never sees a phase's files.
 */
export function worktreeOf(workspace: string, phase: string): string {
  return join(dirname(workspace), `${basename(workspace)}~worktrees`, workspaceDirName(phase));
}

/** The phase's branch. Phase ids are checked, as they become a ref name. */
export function branchOf(phase: string): string {
  if (!PHASE_ID.test(phase)) throw badInput(`phase id ${JSON.stringify(phase)} is not a valid phase id`);
  return `baton/${phase}`;
}
