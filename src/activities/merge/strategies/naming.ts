/** The `naming` class: both sides added the same path. `prefix-with-task` moves the task's file aside. */
import { posix } from 'node:path';
import type { ConflictRules } from '../../../shared/parallel';
import { type Handler, human } from './strategy';

/** `src/types.ts` of task `backend` → `src/backend-types.ts`. */
export const prefixed = (path: string, task: string) =>
  posix.join(posix.dirname(path), `${task}-${posix.basename(path)}`);

const prefixWithTask: Handler = async (conflict, { task, exists }) => {
  const { ours, theirs } = conflict;
  if (!ours || !theirs) return human('prefix-with-task', 'not added on both sides');
  const to = prefixed(conflict.path, task);
  if (await exists(to)) return human('prefix-with-task', `${to} exists already; a person must choose a name`);
  return {
    kind: 'resolved',
    strategy: 'prefix-with-task',
    detail: `both added ${conflict.path}: kept the integration branch's, renamed the task's to ${to}`,
    files: [conflict.path, to],
    move: { from: conflict.path, to },
    edits: [
      { path: conflict.path, content: ours.bytes, mode: ours.mode },
      { path: to, content: theirs.bytes, mode: theirs.mode },
    ],
  };
};

export const NAMING_STRATEGIES: Record<ConflictRules['naming']['strategy'], Handler> = {
  'prefix-with-task': prefixWithTask,
  human: async () => human('human', 'the rules send naming conflicts to a person'),
};
