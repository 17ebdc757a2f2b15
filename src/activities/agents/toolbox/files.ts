/** Workspace paths and file walking, shared by every agent that reads or writes project files. */
import { type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../failures';

/**
 * The directories agents never walk into, by why: tool state (never project content), build
 * output, what Baton's own agents write, and tests (left out of a deployable).
 */
export const SKIPPED_DIRS = {
  tooling: ['.git', 'node_modules', '.baton'],
  output: ['build', 'target'],
  reports: ['reports', 'deploy'],
  tests: ['test', 'tests'],
} as const;

/** The set of directory names to skip for the given reasons. */
export function skipping(...reasons: Array<keyof typeof SKIPPED_DIRS>): ReadonlySet<string> {
  return new Set(reasons.flatMap((reason) => SKIPPED_DIRS[reason]));
}

/** Tool state and build output: what a walk of a project skips unless it says otherwise. */
const DEFAULT_SKIP = skipping('tooling', 'output');

export function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** Resolves a workspace-relative path, refusing absolute paths and paths that leave the workspace. */
export function resolveInside(workspace: string, relative: string, field: string): string {
  const root = path.resolve(workspace);
  const resolved = path.resolve(root, relative);
  if (path.isAbsolute(relative) || (resolved !== root && !resolved.startsWith(root + path.sep))) {
    throw badInput(`${field} "${relative}" leaves the workspace; use a path relative to it, such as "app"`);
  }
  return resolved;
}

export async function isDirectory(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * Every regular file under `dir` (symlinks are not followed), depth first in name order, as
 * absolute paths. A directory that vanishes while it is walked is simply not there.
 */
export async function* walkFiles(
  dir: string,
  skip: ReadonlySet<string> = DEFAULT_SKIP,
): AsyncGenerator<string> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(entry.name)) yield* walkFiles(full, skip);
    } else if (entry.isFile()) yield full;
  }
}

/** Every file under `dir`, as sorted posix paths relative to `base`, skipping tool and output dirs. */
export async function listFiles(dir: string, base: string, skip = DEFAULT_SKIP): Promise<string[]> {
  const found: string[] = [];
  for await (const file of walkFiles(dir, skip)) found.push(toPosix(path.relative(base, file)));
  return found.sort();
}
