import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * Git operations on one directory run one at a time. Keyed by directory: a workspace's merges
 * queue here, while phases commit in their own worktrees side by side.
 */
const locks = new Map<string, Promise<unknown>>();
export async function locked<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(dir) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  locks.set(
    dir,
    next.catch(() => undefined),
  );
  return next;
}

export const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Baton',
  GIT_AUTHOR_EMAIL: 'baton@localhost',
  GIT_COMMITTER_NAME: 'Baton',
  GIT_COMMITTER_EMAIL: 'baton@localhost',
};

export async function git(dir: string, args: string[]): Promise<string> {
  return (await gitBytes(dir, args)).toString('utf8');
}

/** Raw bytes: file contents must not go through a text decoding (binary files would be mangled). */
export async function gitBytes(dir: string, args: string[]): Promise<Buffer> {
  const { stdout } = await exec('git', args, {
    cwd: dir,
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...GIT_ENV },
  });
  return stdout;
}

/** True when git exits 0 (for the commands that answer yes/no by exit code). */
export async function gitSucceeds(dir: string, args: string[]): Promise<boolean> {
  return gitBytes(dir, args).then(
    () => true,
    () => false,
  );
}
