/**
 * Symlinks are not followed out of the workspace: an agent that reads files (review, research)
 * must not read, report or send to an LLM the bytes of /etc/passwd because a link pointed there.
 */
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';

function within(root: string, real: string): boolean {
  const rel = path.relative(root, real);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * True when `absolute`, once every symlink on its way is resolved, is outside `root` (itself
 * resolved). A path that does not exist does not leave: the caller reports it as missing.
 */
export async function leavesRoot(root: string, absolute: string): Promise<boolean> {
  const real = await realpath(absolute).catch(() => undefined);
  if (real === undefined) return false;
  return !within(await realpath(root).catch(() => path.resolve(root)), real);
}

function realpathOr<T>(file: string, fallback: T): string | T {
  try {
    return realpathSync(file);
  } catch {
    return fallback;
  }
}

/** `leavesRoot`, for the synchronous callers (the TypeScript compiler's file lookups). */
export function leavesRootSync(root: string, absolute: string): boolean {
  const real = realpathOr(absolute, undefined);
  if (real === undefined) return false;
  return !within(realpathOr(root, path.resolve(root)), real);
}
