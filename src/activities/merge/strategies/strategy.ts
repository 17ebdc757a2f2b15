/** What a conflict strategy gets and decides, for one conflicted file. */
import type { ConflictRules } from '../../../shared/parallel';
import type { Conflicted, Side } from '../dry-run';
import type { Edit } from '../git-io';
import type { Move } from '../imports';

export interface StrategyContext {
  task: string;
  rules: ConflictRules;
  /** The side of the task that finished later (`latest-wins`), and that task. */
  latest: { side: 'ours' | 'theirs'; task: string };
  /** True when the merged tree has a file at this path. */
  exists(path: string): Promise<boolean>;
}

export type Decision =
  | {
      kind: 'resolved';
      strategy: string;
      detail: string;
      edits: Edit[];
      /** The files the record names (a rename names both). */
      files?: string[];
      /** A rename `prefix-with-task` made. */
      move?: Move;
    }
  /** Left for a person, or for the resolver agent. */
  | { kind: 'human' | 'resolver'; strategy: string; detail: string };

export type Handler = (conflict: Conflicted, context: StrategyContext) => Promise<Decision>;

/** The file as one side has it: its content and mode, or removed when that side has no file. */
export function sideEdit(conflict: Conflicted, which: 'ours' | 'theirs'): Edit {
  const side: Side | undefined = conflict[which];
  return side
    ? { path: conflict.path, content: side.bytes, mode: side.mode }
    : { path: conflict.path, content: null };
}

export const human = (strategy: string, detail: string): Decision => ({ kind: 'human', strategy, detail });
