/**
 * `--out DIR`: the run's final tree, written into a directory when the run completes. Through a
 * temporary index (`read-tree` + `checkout-index --prefix`), so the workspace's own index and
 * checkout stay as they are, and modes and symlinks come out as git holds them. Baton's
 * bookkeeping (`.baton/`) stays behind.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { badInput } from '../failures';
import type { OutTarget } from '../../shared/repo-target';
import { escapeControlChars } from '../../shared/limits';
import { GIT_ENV, git } from './git';

const exec = promisify(execFile);

/** Top-level names of the tree, without `.baton`. */
async function topLevel(workspace: string): Promise<string[]> {
  const out = await git(workspace, ['ls-tree', '-z', '--name-only', 'HEAD']);
  return out.split('\0').filter((name) => name && name !== '.baton');
}

/** Entries of the directory; undefined when it does not exist. Refuses a path that is not a directory. */
async function entriesOf(dir: string): Promise<string[] | undefined> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) return undefined;
  if (!info.isDirectory())
    throw badInput(`--out ${JSON.stringify(dir)} is a file, not a directory; name a directory`);
  return readdir(dir);
}

export async function exportTree(workspace: string, out: OutTarget): Promise<{ dir: string; files: number }> {
  const dir = resolve(out.dir);
  const names = await topLevel(workspace);
  const present = await entriesOf(dir);
  if (present === undefined && out.host !== hostname()) {
    // The client checked the directory on its own machine; this worker is on another one.
    throw badInput(
      `--out ${JSON.stringify(dir)} was checked on host "${escapeControlChars(out.host)}", and this worker runs on ` +
        `"${escapeControlChars(hostname())}", where it does not exist; export from a worker on that machine, ` +
        `or copy the result from the run's workspace ${workspace}`,
    );
  }
  // A retry after an export that went through finds exactly the tree's names: it is done.
  const ours = present !== undefined && present.length > 0 && present.every((name) => names.includes(name));
  if (present !== undefined && present.length > 0 && !out.force && !ours) {
    throw badInput(
      `--out ${JSON.stringify(dir)} is not empty (it holds ${present
        .slice(0, 3)
        .map((n) => JSON.stringify(n))
        .join(', ')}` +
        `${present.length > 3 ? ', …' : ''}); the result stays in the run's workspace ${workspace}. ` +
        'Empty the directory, or start the run with --force to write over it.',
    );
  }
  await mkdir(dir, { recursive: true });
  const index = join(tmpdir(), `baton-export-${randomUUID()}.index`);
  const env = { ...process.env, ...GIT_ENV, GIT_INDEX_FILE: index };
  const run = (args: string[]) => exec('git', args, { cwd: workspace, env, maxBuffer: 64 * 1024 * 1024 });
  try {
    await run(['read-tree', 'HEAD']);
    await run(['rm', '-r', '-q', '--cached', '--ignore-unmatch', '.baton']);
    // --prefix must end with the separator: it is prepended to each path as a string.
    await run(['checkout-index', '-a', '-f', `--prefix=${dir}/`]);
    const listed = (await run(['ls-files', '-z'])).stdout.split('\0').filter(Boolean);
    return { dir, files: listed.length };
  } finally {
    await rm(index, { force: true });
  }
}
