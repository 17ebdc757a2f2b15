/** The part of the workspace a security phase reads: its `scope`, a directory or one file. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../failures';
import { listFiles, resolveInside, skipping, toPosix } from '../toolbox/files';
import { leavesRoot } from '../toolbox/inside';

/** Tool state (node_modules, .git), build output and Baton's own reports are never audited. */
const SKIPPED = skipping('tooling', 'output', 'reports');
const MAX_FILE_BYTES = 512 * 1024;

/** The scope's files, as sorted workspace-relative posix paths; a clear error when it is missing. */
export async function scopeFiles(workspace: string, scope: string): Promise<string[]> {
  const root = resolveInside(workspace, scope, 'scope');
  const info = await stat(root).catch(() => undefined);
  if (!info) {
    throw badInput(
      `scope "${scope}" does not exist in the workspace; give a directory or file relative to it, such as "src/auth" or "."`,
    );
  }
  if (info.isFile()) return [toPosix(path.relative(workspace, root))];
  return listFiles(root, workspace, SKIPPED);
}

/** A file's text, or undefined for binaries, oversized files and symlinks out of the workspace. */
export async function readText(workspace: string, file: string): Promise<string | undefined> {
  const absolute = path.join(workspace, file);
  if (await leavesRoot(workspace, absolute)) return undefined;
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_FILE_BYTES) return undefined;
  const text = await readFile(absolute, 'utf8');
  return text.includes('\u0000') ? undefined : text;
}
