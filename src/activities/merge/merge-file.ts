/** git's own line merge of three texts (`git merge-file`), for the strategies that favour a side or unite both. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitRun } from './git-io';

export type Favour = 'ours' | 'theirs' | 'union';

/**
 * The three-way line merge with each conflicting hunk resolved: one side's lines, or both (ours
 * first) for `union`. Clean hunks merge as git merges them. A missing base is empty (both added).
 */
export async function mergeFile(
  sides: { base?: string | Buffer; ours: string | Buffer; theirs: string | Buffer },
  favour: Favour,
): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-merge-file-'));
  try {
    const [ours, base, theirs] = ['ours', 'base', 'theirs'].map((name) => join(dir, name)) as [
      string,
      string,
      string,
    ];
    await Promise.all([
      writeFile(ours, sides.ours),
      writeFile(base, sides.base ?? ''),
      writeFile(theirs, sides.theirs),
    ]);
    // Exit 0 clean, >0 the number of conflicts (none are left with a favour), <0 an error.
    const run = await gitRun(dir, ['merge-file', '-p', `--${favour}`, ours, base, theirs]);
    if (run.code < 0 || run.code > 127) throw new Error(`git merge-file failed: ${run.stderr.trim()}`);
    return run.stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
