/**
 * The git side of a pull request: which GitHub repository a remote names, and pushing a branch to
 * it. Plain Node (usable from the client and from an activity); git runs with GIT_TERMINAL_PROMPT=0
 * so a missing credential fails at once instead of waiting for a password nobody will type.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GitHubError } from './errors';

const exec = promisify(execFile);

/** A GitHub (or GitHub Enterprise) repository, as a remote URL names it. */
export interface GitHubRepo {
  /** `github.com`, or an Enterprise host (with its port for an http(s) URL that gives one). */
  host: string;
  owner: string;
  repo: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
/** `[user@]host:owner/repo[.git]`: git's scp-like syntax (no `//`, a colon before the first slash). */
const SCP_LIKE = /^(?:[^@/:]+@)?([^@/:]+):(?!\/\/)(.+)$/;
const URL_SCHEMES = new Set(['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:']);

function fromPath(host: string, path: string): GitHubRepo | undefined {
  const parts = path
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .split('/');
  if (parts.length !== 2) return undefined;
  const [owner, repo] = parts as [string, string];
  if (!NAME.test(owner) || !NAME.test(repo) || repo === '.' || repo === '..') return undefined;
  return { host: host.toLowerCase(), owner, repo };
}

/**
 * The host, owner and repository a git remote URL names: `https://github.com/acme/library.git`,
 * `git@github.com:acme/library.git`, `ssh://git@github.example.com:2222/acme/library`. Undefined
 * for what names no GitHub repository: a local path, `file://`, a path that is not `owner/repo`.
 */
export function parseRemoteUrl(url: string): GitHubRepo | undefined {
  const text = url.trim();
  const scp = SCP_LIKE.exec(text);
  // `C:/repo` is a Windows path, not a host called C.
  if (scp && !/^[A-Za-z]$/.test(scp[1]!)) return fromPath(scp[1]!, scp[2]!);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return undefined;
  }
  if (!URL_SCHEMES.has(parsed.protocol) || !parsed.hostname) return undefined;
  const web = parsed.protocol === 'https:' || parsed.protocol === 'http:';
  return fromPath(web ? parsed.host : parsed.hostname, decodeURIComponent(parsed.pathname));
}

async function runGit(dir: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  });
  return stdout;
}

/** The first lines of git's complaint, for a message. */
function gitComplaint(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() ? stderr : String((error as Error).message);
  return text.trim().split('\n').slice(0, 6).join('\n  ');
}

/**
 * The GitHub repository behind `remote` of the repository at `dir`. The URL is read as configured
 * (`git config --get remote.<name>.url`), before any `url.<base>.insteadOf` rewrite: the configured
 * URL names the GitHub repository, and the rewrite still applies when git pushes to it.
 */
export async function readRemote(dir: string, remote = 'origin'): Promise<GitHubRepo & { url: string }> {
  const url = await runGit(dir, ['config', '--get', `remote.${remote}.url`]).then(
    (out) => out.trim(),
    () => '',
  );
  if (!url) {
    throw new GitHubError('BadRemote', `The repository ${dir} has no remote "${remote}".`, {
      hint: `Add it (\`git -C ${dir} remote add ${remote} https://github.com/OWNER/REPO.git\`), or name another with --remote.`,
    });
  }
  const repo = parseRemoteUrl(url);
  if (!repo) {
    throw new GitHubError(
      'BadRemote',
      `Remote "${remote}" of ${dir} is ${url}, which does not name a GitHub repository (host/owner/repo).`,
      { hint: 'Pull requests need a remote on github.com or a GitHub Enterprise host.' },
    );
  }
  return { ...repo, url };
}

/** True when `branch` exists in the repository at `dir`. */
export async function hasBranch(dir: string, branch: string): Promise<boolean> {
  return runGit(dir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]).then(
    () => true,
    () => false,
  );
}

/**
 * Pushes `source` (a branch, or `HEAD`) of the repository at `dir` to `branch` of `to` (a remote
 * name or a path). Never forced: a branch that moved on elsewhere is refused, not overwritten.
 */
export async function pushBranch(dir: string, to: string, source: string, branch = source): Promise<void> {
  try {
    await runGit(dir, ['push', '--quiet', to, `${source}:refs/heads/${branch}`]);
  } catch (error) {
    throw new GitHubError(
      'PushFailed',
      `git push ${to} ${branch} from ${dir} failed:\n  ${gitComplaint(error)}`,
      {
        hint: 'Check that git can push there from this machine (credentials, network), then try again.',
        cause: error,
      },
    );
  }
}

/** `git config --get key` in `dir`, or undefined when it is not set. */
export async function gitConfig(dir: string, key: string): Promise<string | undefined> {
  return runGit(dir, ['config', '--get', key]).then(
    (out) => out.trim() || undefined,
    () => undefined,
  );
}

/** True when `commit` is already in `branch` of the repository at `dir`. */
export async function branchContains(dir: string, branch: string, commit: string): Promise<boolean> {
  return runGit(dir, ['merge-base', '--is-ancestor', commit, `refs/heads/${branch}`]).then(
    () => true,
    () => false,
  );
}
