/**
 * What a command changed in the workspace: a snapshot of every file (size, mtime, and the hash of
 * those small enough to save) before and after it runs.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { skipping, toPosix, walkFiles } from '../toolbox/files';

/** Files up to this size are hashed and saved when changed; larger ones are only listed. */
const FILE_ARTIFACT_CAP = 5 * 1024 * 1024;

export interface FileState {
  size: number;
  mtimeMs: number;
  sha256?: string;
}

/** Path → size, mtime and (for files up to FILE_ARTIFACT_CAP) content hash, skipping tool dirs. */
export async function snapshot(root: string): Promise<Map<string, FileState>> {
  const files = new Map<string, FileState>();
  for await (const full of walkFiles(root, skipping('tooling'))) {
    try {
      const { size, mtimeMs } = await stat(full);
      const state: FileState = { size, mtimeMs };
      if (size <= FILE_ARTIFACT_CAP) {
        state.sha256 = createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
      }
      files.set(toPosix(path.relative(root, full)), state);
    } catch {
      // Removed while we looked: it is simply not in this snapshot.
    }
  }
  return files;
}

/** Files created or whose content changed (by hash, or by size and mtime when too large to hash), sorted. */
export function changedBetween(before: Map<string, FileState>, after: Map<string, FileState>): string[] {
  const changed: string[] = [];
  for (const [file, now] of after) {
    const then = before.get(file);
    const differs =
      !then ||
      (now.sha256 && then.sha256
        ? now.sha256 !== then.sha256
        : now.size !== then.size || now.mtimeMs !== then.mtimeMs);
    if (differs) changed.push(file);
  }
  return changed.sort();
}
