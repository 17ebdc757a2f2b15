import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs git in `dir` as a user would (their identity), returning stdout. */
export async function userGit(dir: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd: dir,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
    },
  });
  return stdout;
}

/**
 * A user's project: a git repository with two commits on `main`, then a dirty working copy (an
 * unstaged change, a staged new file, an untracked file), as a team's checkout usually is.
 */
export async function makeUserRepo(
  files: Record<string, string> = {},
): Promise<{ dir: string; first: string; head: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-user-repo-'));
  await userGit(dir, ['init', '-q', '-b', 'main']);
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  };
  await write('README.md', '# Library\n\nOur project.\n');
  await userGit(dir, ['add', '-A']);
  await userGit(dir, ['commit', '-q', '-m', 'first']);
  const first = (await userGit(dir, ['rev-parse', 'HEAD'])).trim();
  for (const [path, text] of Object.entries({ 'src/index.js': 'export const answer = 42;\n', ...files })) {
    await write(path, text);
  }
  await userGit(dir, ['add', '-A']);
  await userGit(dir, ['commit', '-q', '-m', 'second']);
  const head = (await userGit(dir, ['rev-parse', 'HEAD'])).trim();
  // The dirty part: never committed, and must survive the run untouched.
  await write('README.md', '# Library\n\nOur project, being edited.\n');
  await write('staged.txt', 'staged but not committed\n');
  await userGit(dir, ['add', 'staged.txt']);
  await write('notes.txt', 'untracked\n');
  return { dir, first, head };
}

/** Everything a run must not change in the user's checkout: HEAD, the index, the working copy. */
export async function checkoutState(dir: string): Promise<Record<string, string>> {
  return {
    head: await userGit(dir, ['rev-parse', 'HEAD']),
    branch: await userGit(dir, ['symbolic-ref', 'HEAD']),
    status: await userGit(dir, ['status', '--porcelain=v2', '--untracked-files=all']),
    index: await userGit(dir, ['ls-files', '--stage']),
    staged: await userGit(dir, ['diff', '--cached']),
    unstaged: await userGit(dir, ['diff']),
    stashes: await userGit(dir, ['stash', 'list']),
    worktrees: await userGit(dir, ['worktree', 'list', '--porcelain']),
  };
}
