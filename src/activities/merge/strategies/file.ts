/** The `file` class: git's three-way merge, one side, the resolver agent, or a person. */
import type { ConflictRules } from '../../../shared/parallel';
import type { Conflicted } from '../dry-run';
import { mergeFile } from '../merge-file';
import { type Decision, type Handler, human, sideEdit } from './strategy';

type FileStrategy = ConflictRules['file']['strategy'];

const whole = (conflict: Conflicted, which: 'ours' | 'theirs', strategy: string, why: string): Decision => ({
  kind: 'resolved',
  strategy,
  detail: `${why}: took ${which === 'ours' ? "the integration branch's" : "the task's"} version${conflict[which] ? '' : ' (the file removed)'}`,
  edits: [sideEdit(conflict, which)],
});

/**
 * What `fallback` does with a conflict a strategy could not resolve: a person, or the conflicting
 * hunks from one side (the clean hunks stay merged). Binary files and removals take the side whole.
 */
export async function fallback(
  conflict: Conflicted,
  rules: ConflictRules,
  strategy: string,
  why: string,
): Promise<Decision> {
  const side = rules.file.fallback;
  if (side === 'human') return human(strategy, `${why}; fallback: human`);
  if (conflict.binary || !conflict.ours || !conflict.theirs) {
    return whole(conflict, side, strategy, `${why}; fallback ${side}`);
  }
  const content = await mergeFile(
    { base: conflict.base?.bytes, ours: conflict.ours.bytes, theirs: conflict.theirs.bytes },
    side,
  );
  return {
    kind: 'resolved',
    strategy,
    detail: `${why}; fallback ${side}: the conflicting hunks from ${side === 'ours' ? 'the integration branch' : 'the task'}`,
    edits: [{ path: conflict.path, content, mode: (side === 'ours' ? conflict.ours : conflict.theirs).mode }],
  };
}

export const FILE_STRATEGIES: Record<FileStrategy, Handler> = {
  'three-way': (conflict, { rules }) =>
    fallback(conflict, rules, 'three-way', "git's three-way merge left conflicting changes"),
  ours: async (conflict) => whole(conflict, 'ours', 'ours', 'strategy ours'),
  theirs: async (conflict) => whole(conflict, 'theirs', 'theirs', 'strategy theirs'),
  resolver: async () => ({
    kind: 'resolver',
    strategy: 'resolver',
    detail: 'waiting for the resolver agent',
  }),
  human: async () => human('human', 'the rules send file conflicts to a person'),
};
