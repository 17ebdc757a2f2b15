/**
 * The git plumbing the merge queue builds on: exit codes as results, stdin, and a private index.
 * `git` from the workspace module throws on any non-zero exit; `git merge-tree` answers "conflicts"
 * with exit 1 and `cat-file --batch` reads its questions from stdin, so they run through here.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GIT_ENV } from '../workspace/git';

export interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs git to its end; a non-zero exit is a result, not an exception. */
export function gitRun(
  dir: string,
  args: readonly string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: dir,
      env: { ...process.env, ...GIT_ENV, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => undefined); // git may exit before reading all of stdin
    child.stdin.end(options.input ?? '');
  });
}

/** Like `gitRun`, but a non-zero exit throws with git's own words. */
export async function gitOk(
  dir: string,
  args: readonly string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<Buffer> {
  const run = await gitRun(dir, args, options);
  if (run.code !== 0) {
    throw new Error(
      `git ${args.slice(0, 2).join(' ')} failed (exit ${run.code}): ${run.stderr.trim().slice(0, 2000)}`,
    );
  }
  return run.stdout;
}

/**
 * The contents of many objects in one process (`cat-file --batch`), keyed by the names asked
 * (`<oid>` or `<commit>:<path>`); a missing one is left out.
 */
export async function readObjects(dir: string, names: readonly string[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (names.length === 0) return found;
  const out = await gitOk(dir, ['cat-file', '--batch'], { input: names.map((n) => `${n}\n`).join('') });
  let at = 0;
  for (const name of names) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) continue;
    const size = Number(header.split(' ')[2]);
    found.set(name, out.subarray(at, at + size));
    at += size + 1;
  }
  return found;
}

/** One file's new state in a tree: content and mode, or `null` to remove it. */
export interface Edit {
  path: string;
  content: Buffer | null;
  /** `100644` unless given (a side's own mode is kept when a side is taken). */
  mode?: string;
}

/**
 * A new tree: `tree` with the edits applied. Built in a private index file, so neither the
 * worktree nor its index is touched: a merge that fails half-way leaves nothing to clean up.
 */
export async function editTree(dir: string, tree: string, edits: readonly Edit[]): Promise<string> {
  if (edits.length === 0) return tree;
  const index = join(tmpdir(), `baton-index-${randomUUID()}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await gitOk(dir, ['read-tree', tree], { env });
    const adds: string[] = [];
    const removes: string[] = [];
    for (const edit of edits) {
      if (edit.content === null) {
        removes.push(edit.path);
        continue;
      }
      const oid = (await gitOk(dir, ['hash-object', '-w', '--stdin'], { input: edit.content }))
        .toString('utf8')
        .trim();
      adds.push('--cacheinfo', `${edit.mode ?? '100644'},${oid},${edit.path}`);
    }
    if (adds.length) await gitOk(dir, ['update-index', '--add', ...adds], { env });
    if (removes.length) await gitOk(dir, ['update-index', '--force-remove', '--', ...removes], { env });
    return (await gitOk(dir, ['write-tree'], { env })).toString('utf8').trim();
  } finally {
    await rm(index, { force: true });
    await rm(`${index}.lock`, { force: true });
  }
}
