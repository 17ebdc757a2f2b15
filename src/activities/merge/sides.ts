/** What a person (or the resolver agent) is shown of a conflicted file: its three sides, cut to size. */
import type { ConflictClass, ConflictSides } from '../../shared/parallel';
import type { Conflicted, Side } from './dry-run';

/** Per side: history and the gate's payload stay small; the worktree holds the whole file. */
export const MAX_SIDE_BYTES = 64 * 1024;

export function sidesOf(conflict: Conflicted, klass: ConflictClass): ConflictSides {
  const sides: ConflictSides = { path: conflict.path, class: klass };
  if (conflict.binary) return { ...sides, truncated: true };
  let truncated = false;
  const text = (side: Side | undefined) => {
    if (!side) return undefined;
    if (side.bytes.length > MAX_SIDE_BYTES) truncated = true;
    return side.bytes.subarray(0, MAX_SIDE_BYTES).toString('utf8');
  };
  const [base, ours, theirs] = [text(conflict.base), text(conflict.ours), text(conflict.theirs)];
  return {
    ...sides,
    ...(base !== undefined && { base }),
    ...(ours !== undefined && { ours }),
    ...(theirs !== undefined && { theirs }),
    ...(truncated ? { truncated } : {}),
  };
}

/** Conflict markers as git writes them, at the start of a line. */
const MARKERS = /^(?:<{7}|>{7})(?: |$)|^={7}$/m;
export const hasMarkers = (text: string) => MARKERS.test(text);
