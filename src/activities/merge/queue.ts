/** The merge queue's bookends: a recovery ref before it, and the reset a failed verify rolls back with. */
import { git, locked } from '../workspace/git';
import { badInput } from '../failures';
import { gitRun } from './git-io';
import { refPart } from './ids';

export const recoveryRef = (phase: string, run: number, pass: number) =>
  `refs/baton/recovery/${refPart(phase, 'phase')}/${run}/${pass}`;

/**
 * Keeps the integration branch's tip under a recovery ref. Idempotent: a ref that exists is
 * returned as it is, never moved (a retry after the queue began must not move it to a merged tip).
 */
export async function beginQueue(dir: string, ref: string): Promise<{ recovery: string; ref: string }> {
  return locked(dir, async () => {
    const existing = await gitRun(dir, ['rev-parse', '-q', '--verify', `${ref}^{commit}`]);
    if (existing.code === 0) return { recovery: existing.stdout.toString('utf8').trim(), ref };
    const head = (await git(dir, ['rev-parse', 'HEAD'])).trim();
    // The empty old value: create only; a concurrent creator wins and is read back.
    const made = await gitRun(dir, ['update-ref', ref, head, '']);
    if (made.code !== 0) return { recovery: (await git(dir, ['rev-parse', ref])).trim(), ref };
    return { recovery: head, ref };
  });
}

/** The integration worktree back at `to`: branch, index and files, untracked files removed. */
export async function resetTo(dir: string, to: string): Promise<{ head: string }> {
  return locked(dir, async () => {
    const known = await gitRun(dir, ['rev-parse', '-q', '--verify', `${to}^{commit}`]);
    if (known.code !== 0) throw badInput(`commit ${to} is not in the run's repository`);
    // reset --hard also ends a merge in progress (MERGE_HEAD).
    await git(dir, ['reset', '-q', '--hard', to]);
    await git(dir, ['clean', '-q', '-fd']);
    return { head: (await git(dir, ['rev-parse', 'HEAD'])).trim() };
  });
}
