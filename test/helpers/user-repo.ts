import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const REMOTE_URL = 'https://github.com/acme/library.git';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@localhost',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@localhost',
  GIT_TERMINAL_PROMPT: '0',
};

export async function git(dir: string, ...args: string[]): Promise<string> {
  return (await exec('git', args, { cwd: dir, env: GIT_ENV })).stdout.trim();
}

/**
 * A user's repository whose `origin` is https://github.com/acme/library.git, as a real one would
 * be, with `url.<bare>.insteadOf` so that git really pushes to a bare repository under `root`
 * (while the GitHub owner and repository are read from the configured URL). `main` is on both.
 */
export async function userRepository(root: string): Promise<{ repo: string; bare: string }> {
  const bare = join(root, 'remote', 'library.git');
  const repo = join(root, 'library');
  await mkdir(bare, { recursive: true });
  await mkdir(repo, { recursive: true });
  await git(bare, 'init', '-q', '--bare', '-b', 'main');
  await git(repo, 'init', '-q', '-b', 'main');
  await writeFile(join(repo, 'README.md'), '# library\n');
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', 'first');
  await git(repo, 'remote', 'add', 'origin', REMOTE_URL);
  await git(repo, 'config', `url.${bare}.insteadOf`, REMOTE_URL);
  await git(repo, 'push', '-q', 'origin', 'main');
  return { repo, bare };
}

/** A commit on `branch` (created from main when new), without checking it out: the working copy stays. */
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
