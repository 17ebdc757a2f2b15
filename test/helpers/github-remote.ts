import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { userGit } from './user-repo';

const exec = promisify(execFile);

export const REMOTE_URL = 'https://github.com/acme/library.git';

/** git in `dir` as the user, stdout trimmed. */
export const git = async (dir: string, ...args: string[]): Promise<string> =>
  (await userGit(dir, args)).trim();

/**
 * Gives the user's repository at `repo` the remote a real one would have, `origin` =
 * https://github.com/acme/library.git, plus `url.<bare>.insteadOf` so that git really pushes to a
 * new bare repository under `parent` (while the GitHub owner and repository are read from the configured URL).
 * `main` is pushed there, as it would be on GitHub. Returns the bare repository's path.
 */
export async function addGitHubRemote(repo: string, parent: string): Promise<string> {
  const bare = join(parent, 'library.git');
  await mkdir(bare, { recursive: true });
  await git(bare, 'init', '-q', '--bare', '-b', 'main');
  await git(repo, 'remote', 'add', 'origin', REMOTE_URL);
  await git(repo, 'config', `url.${bare}.insteadOf`, REMOTE_URL);
  await git(repo, 'push', '-q', 'origin', 'main');
  return bare;
}

/** A commit on `branch` (from main when new) with one new file, without checking it out: the working copy stays. */
export async function commitToBranch(
  repo: string,
  branch: string,
  file: string,
  content: string,
): Promise<string> {
  const parent = await git(repo, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).catch(() =>
    git(repo, 'rev-parse', 'main'),
  );
  const blob = await exec('sh', ['-c', `printf '%s' "$0" | git hash-object -w --stdin`, content], {
    cwd: repo,
  });
  const tree = await exec(
    'sh',
    [
      '-c',
      `(git ls-tree ${parent}; printf '100644 blob %s\\t%s\\n' "$0" "$1") | git mktree`,
      blob.stdout.trim(),
      file,
    ],
    { cwd: repo },
  );
  const commit = await git(repo, 'commit-tree', tree.stdout.trim(), '-p', parent, '-m', `add ${file}`);
  await git(repo, 'update-ref', `refs/heads/${branch}`, commit);
  return commit;
}
