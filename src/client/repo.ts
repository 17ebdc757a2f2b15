/**
 * `--repo`, `--base` and `--out`, worked out and checked on the client before a run starts: every
 * mistake is reported here, with its fix, and no run (and no branch) is made. The worker checks
 * the same things again when it opens the workspace, as it is the one that reads and writes them.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { escapeControlChars } from '../shared/limits';
import { runBranch, type OutTarget, type RepoTarget } from '../shared/repo-target';
import { BatonError } from './errors';

const exec = promisify(execFile);
const show = (value: string) => JSON.stringify(escapeControlChars(value));

async function git(
  dir: string,
  args: string[],
): Promise<{ ok: true; out: string } | { ok: false; said: string }> {
  try {
    const { stdout } = await exec('git', args, {
      cwd: dir,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    const said = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    return { ok: false, said: said.split('\n')[0] ?? said };
  }
}

/** The user's repository at the run's base commit, and the branch the run will publish. */
export async function resolveRepoTarget(
  path: string,
  base: string | undefined,
  runId: string,
): Promise<RepoTarget> {
  const dir = resolve(path);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new BatonError(
      `--repo ${show(path)}: ${info ? 'is a file, not a directory' : 'no such directory'}.`,
      {
        hint: 'Pass the directory of a git checkout, e.g. --repo . from inside it.',
      },
    );
  }
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  if (!top.ok || top.out === '') {
    throw new BatonError(
      `--repo ${show(path)} is not a git repository (git says: ${top.ok ? 'a bare repository' : top.said}).`,
      {
        hint: `Pass the directory of a git checkout, or make one with \`git -C ${show(dir)} init\` and a first commit.`,
      },
    );
  }
  const ref = base ?? 'HEAD';
  if (ref.startsWith('-'))
    throw new BatonError(`--base ${show(ref)} is not a ref; name a branch, tag or commit.`);
  const commit = await git(top.out, [
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${ref}^{commit}`,
  ]);
  if (!commit.ok || commit.out === '') {
    const branches = await git(top.out, [
      'for-each-ref',
      '--count=5',
      '--format=%(refname:short)',
      'refs/heads',
    ]);
    const known =
      branches.ok && branches.out ? ` Its branches include: ${branches.out.split('\n').join(', ')}.` : '';
    throw new BatonError(
      base === undefined
        ? `--repo ${show(top.out)} has no commits yet, so a run has nothing to start from.`
        : `--base ${show(ref)} does not name a commit in ${show(top.out)}.${known}`,
      {
        hint:
          base === undefined
            ? 'Make a first commit, then start the run.'
            : 'Pass an existing branch, tag or commit id to --base, or leave it out for HEAD.',
      },
    );
  }
  const branch = runBranch(runId);
  const valid = await git(top.out, ['check-ref-format', '--branch', branch]);
  if (!valid.ok) {
    throw new BatonError(`The run id ${show(runId)} does not make a valid branch name (${show(branch)}).`, {
      hint: 'Pass --id with letters, digits, "-", "_" and "." only, or leave --id out.',
    });
  }
  const taken = await git(top.out, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  if (taken.ok && taken.out !== '') {
    throw new BatonError(
      `Branch ${show(branch)} already exists in ${show(top.out)}: a run publishes its work there.`,
      {
        hint: `Pass another --id, or move the branch aside: git -C ${show(top.out)} branch -m ${branch} ${branch}-old`,
      },
    );
  }
  return { path: top.out, base: ref, commit: commit.out, branch, host: hostname() };
}

/** The export directory: absolute, and empty (or missing) unless `force`. */
export async function resolveOutTarget(path: string, force: boolean): Promise<OutTarget> {
  const dir = resolve(path);
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new BatonError(`--out ${show(path)} is a file, not a directory.`, {
      hint: 'Name a directory (it is made when missing).',
    });
  }
  if (info && !force) {
    const entries = await readdir(dir);
    if (entries.length > 0) {
      throw new BatonError(
        `--out ${show(dir)} is not empty (it holds ${entries.slice(0, 3).map(show).join(', ')}${entries.length > 3 ? ', …' : ''}).`,
        { hint: 'Name an empty or new directory, or add --force to write the result over what is there.' },
      );
    }
  }
  return { dir, force, host: hostname() };
}

/** The host of a poller's identity: the SDK's default identity is `<pid>@<host>`. */
const hostOf = (identity: string): string => identity.slice(identity.indexOf('@') + 1);

/**
 * `--repo` and `--out` name paths on this machine: the worker must run here. When workers poll the
 * task queue and none is on this host, the run could never reach the path: refuse it now. With no
 * worker polling, the run waits, and the worker that takes it checks the path itself.
 */
export function checkWorkerHosts(
  identities: readonly string[],
  flag: '--repo' | '--out',
  taskQueue: string,
): void {
  if (identities.length === 0) return;
  const here = hostname();
  const hosts = [...new Set(identities.map(hostOf))];
  if (hosts.includes(here)) return;
  throw new BatonError(
    `${flag} names a path on this machine (${show(here)}), but the workers on task queue ${show(taskQueue)} run on ${hosts.map(show).join(', ')}, which cannot reach it.`,
    {
      hint: 'Start a worker on this machine (`baton worker`), or start the run on the machine the worker runs on.',
    },
  );
}
