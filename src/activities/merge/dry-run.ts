/**
 * The dry run of a merge: `git merge-tree --write-tree`, which writes objects but touches no
 * worktree, index or ref. It gives the merged tree (conflicted files hold markers) and, per
 * conflicted path, the blob of each side (stage 1 base, 2 ours, 3 theirs).
 */
import { gitRun, readObjects } from './git-io';

export interface Side {
  mode: string;
  oid: string;
  bytes: Buffer;
}

/** One conflicted path; a side is missing where that side has no file (added, or deleted). */
export interface Conflicted {
  path: string;
  base?: Side;
  ours?: Side;
  theirs?: Side;
  /** A side holds a NUL byte in its first 8000 bytes (git's own test): no text strategy applies. */
  binary: boolean;
}

export interface DryRun {
  /** The merged tree: clean files merged, conflicted ones with markers. */
  tree: string;
  conflicted: Conflicted[];
}

const STAGES = { '1': 'base', '2': 'ours', '3': 'theirs' } as const;

const isBinary = (bytes: Buffer) => bytes.subarray(0, 8000).includes(0);

/** Merges `theirs` into `ours` without side effects (git ≥ 2.38). */
export async function dryRun(dir: string, ours: string, theirs: string): Promise<DryRun> {
  const run = await gitRun(dir, ['merge-tree', '--write-tree', '-z', ours, theirs]);
  // Exit 1 means conflicts; anything else is git failing (unrelated histories, a missing object).
  if (run.code !== 0 && run.code !== 1) {
    throw new Error(`git merge-tree failed (exit ${run.code}): ${run.stderr.trim().slice(0, 2000)}`);
  }
  const fields = run.stdout.toString('utf8').split('\0');
  const tree = fields[0] ?? '';
  const stages = new Map<
    string,
    Partial<Record<'base' | 'ours' | 'theirs', { mode: string; oid: string }>>
  >();
  for (let i = 1; i < fields.length && fields[i] !== ''; i++) {
    // `<mode> <oid> <stage>\t<path>`
    const entry = fields[i] as string;
    const tab = entry.indexOf('\t');
    const [mode, oid, stage] = entry.slice(0, tab).split(' ') as [string, string, keyof typeof STAGES];
    const path = entry.slice(tab + 1);
    const sides = stages.get(path) ?? {};
    sides[STAGES[stage]] = { mode, oid };
    stages.set(path, sides);
  }
  const oids = [...stages.values()].flatMap((s) => Object.values(s).map((side) => side.oid));
  const blobs = await readObjects(dir, [...new Set(oids)]);
  const conflicted = [...stages].map(([path, sides]): Conflicted => {
    const withBytes = Object.fromEntries(
      Object.entries(sides).map(([name, side]) => [
        name,
        { ...side, bytes: blobs.get(side.oid) ?? Buffer.alloc(0) },
      ]),
    ) as Pick<Conflicted, 'base' | 'ours' | 'theirs'>;
    const binary = Object.values(withBytes).some((side) => side && isBinary(side.bytes));
    return { path, ...withBytes, binary };
  });
  return { tree, conflicted: conflicted.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}

/** A side's text (`undefined` when the side has no file). */
export const textOf = (side: Side | undefined): string | undefined => side?.bytes.toString('utf8');
