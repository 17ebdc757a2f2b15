/**
 * The commits a merge writes, and how a retry finds them. Every merge carries trailers naming the
 * task and its tip, with its conflict records: squash and rebase leave the tip out of the history,
 * so a retry after a crash is recognised by the trailer, not by ancestry.
 */
import { z } from 'zod';
import { ConflictRecordSchema, type MergeTaskInput } from '../../shared/merge-contract';
import type { ConflictRecord } from '../../shared/parallel';
import { escapeControlChars } from '../../shared/limits';
import { git } from '../workspace/git';
import { dryRun } from './dry-run';
import { editTree, gitOk, readObjects, type Edit } from './git-io';

const TASK = 'Baton-Merged-Task';
const TIP = 'Baton-Task-Tip';
const RENAMES = 'Baton-Renames';
const CONFLICTS = 'Baton-Conflicts';

export interface MergeKey {
  phase: string;
  task: string;
  tip: string;
}

export interface Recorded {
  commit: string;
  conflicts: ConflictRecord[];
  renames: number;
}

const taskLine = (key: MergeKey) => `${TASK}: ${key.phase}/${key.task}`;

function trailers(key: MergeKey, conflicts: readonly ConflictRecord[], renames: number): string {
  return [
    taskLine(key),
    `${TIP}: ${key.tip}`,
    `${RENAMES}: ${renames}`,
    `${CONFLICTS}: ${JSON.stringify(conflicts)}`,
  ].join('\n');
}

function summary(conflicts: readonly ConflictRecord[]): string {
  if (conflicts.length === 0) return '';
  // One line per record, control characters escaped: a detail cannot add a (forged) trailer line.
  const lines = conflicts.map((c) =>
    escapeControlChars(
      `- ${c.class} ${c.files.join(', ')}: ${c.strategy}, ${c.outcome}${c.detail ? ` (${c.detail})` : ''}`,
    ),
  );
  return `${lines.join('\n')}\n\n`;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The merge of this task at this tip in HEAD's history, with what it recorded. */
export async function findMerged(dir: string, key: MergeKey): Promise<Recorded | undefined> {
  const wanted = taskLine(key);
  const out = await git(dir, ['log', '-z', '--fixed-strings', `--grep=${wanted}`, '--format=%H%n%B', 'HEAD']);
  for (const entry of out.split('\0')) {
    const [commit, ...body] = entry.trim().split('\n');
    const lines = body.map((line) => line.trim());
    if (!commit || !lines.includes(wanted) || !lines.includes(`${TIP}: ${key.tip}`)) continue;
    const value = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
    const parsed = z.array(ConflictRecordSchema).safeParse(parseJson(value(CONFLICTS) ?? '[]'));
    return {
      commit,
      conflicts: parsed.success ? parsed.data : [],
      renames: Number(value(RENAMES) ?? 0) || 0,
    };
  }
  return undefined;
}

/** The task's commits HEAD lacks, oldest first (first parents: a merge inside the task replays as one). */
export async function missingCommits(dir: string, head: string, tip: string): Promise<string[]> {
  const out = await git(dir, ['rev-list', '--reverse', '--first-parent', `${head}..${tip}`]);
  return out.split('\n').filter(Boolean);
}

const commitTree = async (dir: string, tree: string, parents: readonly string[], message: string) =>
  (
    await gitOk(dir, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'], {
      input: message,
    })
  )
    .toString('utf8')
    .trim();

/** A commit object's message (what follows its headers). */
const messageOf = (raw: Buffer | undefined) => {
  const text = raw?.toString('utf8') ?? '';
  const at = text.indexOf('\n\n');
  return at < 0 ? '' : text.slice(at + 2).trimEnd();
};

/**
 * `rebase`: the task's commits replayed on HEAD, one new commit each. Commit i gets the tree of
 * merging HEAD with the task's i-th commit, its conflicted files as the final tree resolved them;
 * the last gets the final tree itself, and the trailers.
 */
async function replay(dir: string, head: string, commits: readonly string[], tree: string, tail: string) {
  const messages = await readObjects(dir, commits);
  let parent = head;
  for (const [i, commit] of commits.entries()) {
    let stepTree = tree;
    if (i < commits.length - 1) {
      const step = await dryRun(dir, head, commit);
      const paths = step.conflicted.map((c) => c.path);
      const final = await readObjects(
        dir,
        paths.map((p) => `${tree}:${p}`),
      );
      const edits: Edit[] = paths.map((path) => ({ path, content: final.get(`${tree}:${path}`) ?? null }));
      stepTree = await editTree(dir, step.tree, edits);
    }
    const last = i === commits.length - 1;
    const message = `${messageOf(messages.get(commit))}\n\n(replayed from ${commit})${last ? `\n\n${tail}` : ''}\n`;
    parent = await commitTree(dir, stepTree, [parent], message);
  }
  return parent;
}

/** Writes the merge as the strategy says and returns the new tip (HEAD is not moved yet). */
export async function writeMerge(
  dir: string,
  input: Pick<MergeTaskInput, 'phase' | 'task' | 'strategy'>,
  at: { head: string; tip: string; tree: string; commits: readonly string[] },
  record: { conflicts: readonly ConflictRecord[]; renames: number },
): Promise<string> {
  const key = { phase: input.phase, task: input.task, tip: at.tip };
  const tail = trailers(key, record.conflicts, record.renames);
  if (input.strategy === 'rebase') return replay(dir, at.head, at.commits, at.tree, tail);
  const title = `baton: ${input.strategy === 'squash' ? 'squash' : 'merge'} task ${input.task} of phase ${input.phase}`;
  const parents = input.strategy === 'merge' ? [at.head, at.tip] : [at.head];
  return commitTree(dir, at.tree, parents, `${title}\n\n${summary(record.conflicts)}${tail}\n`);
}
