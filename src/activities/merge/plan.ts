/**
 * The plan of one merge, from its dry run: per conflicted file, its class and what resolves it
 * (a resolution given at a gate or by the resolver, else the class's strategy), the edits to the
 * merged tree, and what is left for the resolver agent or a person. Pure but for reading objects.
 */
import type { MergeTaskInput } from '../../shared/merge-contract';
import type { ConflictClass, ConflictRecord, ConflictSides } from '../../shared/parallel';
import { git } from '../workspace/git';
import { classify } from './classify';
import type { Conflicted, DryRun } from './dry-run';
import { readObjects, type Edit } from './git-io';
import { isCode, rewriteImports } from './imports';
import { hasMarkers, sidesOf } from './sides';
import { type Decision, fallback, human, sideEdit, strategyFor, type StrategyContext } from './strategies';

export interface Plan {
  records: ConflictRecord[];
  edits: Edit[];
  /** Files left for the resolver agent, and for a person. */
  forResolver: ConflictSides[];
  forHuman: ConflictSides[];
  renames: number;
}

interface Step {
  conflict: Conflicted;
  klass: ConflictClass;
  decision: Decision;
  /** Resolved by a person (a resolution from the gate). */
  byHuman?: boolean;
}

/** Why the resolutions cannot be taken, naming the valid choices; undefined when they can. */
export function resolutionProblem(input: MergeTaskInput, dry: DryRun): string | undefined {
  const paths = new Set(dry.conflicted.map((c) => c.path));
  const problems: string[] = [];
  const valid = [...paths].map((p) => JSON.stringify(p)).join(', ') || 'none';
  const sides = [input.task, ...input.merged].map((t) => JSON.stringify(t)).join(', ');
  for (const path of Object.keys(input.resolverResolutions ?? {})) {
    if (!paths.has(path))
      problems.push(`the resolver answered for ${JSON.stringify(path)}, which is not in conflict`);
  }
  for (const [path, resolution] of Object.entries(input.resolutions ?? {})) {
    if (!paths.has(path)) {
      problems.push(`${JSON.stringify(path)} is not in conflict; the conflicted files are ${valid}`);
    } else if (
      typeof resolution === 'string' &&
      resolution !== input.task &&
      !input.merged.includes(resolution)
    ) {
      problems.push(
        `${JSON.stringify(path)}: ${JSON.stringify(resolution)} is neither this task nor a merged one; give one of ${sides}, or { "content": "…" }`,
      );
    } else if (
      typeof resolution === 'object' &&
      hasMarkers(resolution.content) &&
      !forResolverRule(input, dry, path)
    ) {
      problems.push(
        `${JSON.stringify(path)}: the content given still holds conflict markers (<<<<<<< / ======= / >>>>>>>)`,
      );
    }
  }
  return problems.length ? problems.join('; ') : undefined;
}

/** The file's class sends it to the resolver agent (then its markers are the resolver's failure). */
function forResolverRule(input: MergeTaskInput, dry: DryRun, path: string): boolean {
  const conflict = dry.conflicted.find((c) => c.path === path);
  return conflict !== undefined && classify(conflict) === 'file' && input.rules.file.strategy === 'resolver';
}

async function decide(
  conflict: Conflicted,
  klass: ConflictClass,
  input: MergeTaskInput,
  ctx: StrategyContext,
): Promise<Step> {
  const given = input.resolutions?.[conflict.path];
  if (typeof given === 'string') {
    const which = given === input.task ? 'theirs' : 'ours';
    const edits = [sideEdit(conflict, which)];
    return {
      conflict,
      klass,
      byHuman: true,
      decision: { kind: 'resolved', strategy: 'human', detail: `took ${given}'s version`, edits },
    };
  }
  const content = given?.content ?? input.resolverResolutions?.[conflict.path];
  const byHuman = given !== undefined;
  const resolverRule = klass === 'file' && input.rules.file.strategy === 'resolver';
  if (content !== undefined && !(resolverRule && hasMarkers(content))) {
    const mode = conflict.ours?.mode ?? conflict.theirs?.mode;
    const edits = [{ path: conflict.path, content: Buffer.from(content), ...(mode && { mode }) }];
    const [strategy, detail] = byHuman
      ? ['human', 'a person gave the content']
      : ['resolver', 'the resolver agent merged it'];
    return { conflict, klass, byHuman, decision: { kind: 'resolved', strategy, detail, edits } };
  }
  if (
    resolverRule &&
    (content !== undefined || input.resolverFailed !== undefined || input.resolverResolutions)
  ) {
    const why =
      content !== undefined
        ? `${byHuman ? 'the content given' : 'the resolver'} left conflict markers in ${conflict.path}`
        : input.resolverFailed !== undefined
          ? `the resolver failed: ${input.resolverFailed.slice(0, 500)}`
          : `the resolver gave no resolution for ${conflict.path}`;
    return { conflict, klass, decision: await fallback(conflict, input.rules, 'resolver', why) };
  }
  return { conflict, klass, decision: await strategyFor(klass, input.rules)(conflict, ctx) };
}

/** `prefix-with-task` past `humanThreshold`: no file is renamed, a person decides. */
function overThreshold(steps: Step[], input: MergeTaskInput): void {
  const renaming = steps.filter((s) => s.decision.kind === 'resolved' && s.decision.move);
  const total = input.renames + renaming.length;
  if (renaming.length === 0 || total <= input.rules.naming.humanThreshold) return;
  for (const step of renaming) {
    step.decision = human(
      'prefix-with-task',
      `${total} renames in this pass would pass humanThreshold ${input.rules.naming.humanThreshold}`,
    );
  }
}

/** The task's own code that imported a renamed file now imports it at its new path. */
async function fixImports(
  dir: string,
  at: { head: string; tip: string; tree: string },
  steps: Step[],
  edits: Edit[],
) {
  const moves = steps.flatMap((s) =>
    s.decision.kind === 'resolved' && s.decision.move ? [s.decision.move] : [],
  );
  if (moves.length === 0) return;
  const conflicted = new Set(steps.map((s) => s.conflict.path));
  const changed = (
    await git(dir, ['diff', '--name-status', '-z', '--diff-filter=AM', `${at.head}...${at.tip}`])
  ).split('\0');
  const files: { path: string; added: boolean }[] = [];
  for (let i = 0; i + 1 < changed.length; i += 2) {
    const path = changed[i + 1] as string;
    if (isCode(path) && !conflicted.has(path)) files.push({ path, added: changed[i] === 'A' });
  }
  const names = files.flatMap((f) => [`${at.tree}:${f.path}`, ...(f.added ? [] : [`${at.head}:${f.path}`])]);
  const blobs = await readObjects(dir, names);
  let fixed = 0;
  const rewrite = (path: string, text: string, ours?: string) => {
    const oursLines = new Set(ours?.split('\n'));
    const out = rewriteImports(path, text, moves, (line) => !oursLines.has(line));
    fixed += out.count;
    return out;
  };
  for (const file of files) {
    const text = blobs.get(`${at.tree}:${file.path}`)?.toString('utf8');
    if (text === undefined) continue;
    const out = rewrite(file.path, text, blobs.get(`${at.head}:${file.path}`)?.toString('utf8'));
    if (out.count) edits.push({ path: file.path, content: Buffer.from(out.text) });
  }
  // The moved files themselves may import each other.
  for (const edit of edits.filter((e) => moves.some((m) => m.to === e.path) && e.content && isCode(e.path))) {
    const out = rewrite(edit.path, (edit.content as Buffer).toString('utf8'));
    if (out.count) edit.content = Buffer.from(out.text);
  }
  if (fixed === 0) return;
  const first = steps.find((s) => s.decision.kind === 'resolved' && s.decision.move);
  if (first) first.decision.detail += `; fixed ${fixed} import${fixed === 1 ? '' : 's'} in the task's files`;
}

/** Decides every conflicted file of the dry run. */
export async function planMerge(
  dir: string,
  input: MergeTaskInput,
  dry: DryRun,
  at: { head: string; tip: string },
): Promise<Plan> {
  const latestMerged = [...input.merged].sort(
    (a, b) => input.finished.indexOf(b) - input.finished.indexOf(a),
  )[0];
  const theirsLater =
    latestMerged === undefined || input.finished.indexOf(input.task) > input.finished.indexOf(latestMerged);
  const ctx: StrategyContext = {
    task: input.task,
    rules: input.rules,
    latest: theirsLater ? { side: 'theirs', task: input.task } : { side: 'ours', task: latestMerged },
    exists: async (path) => (await readObjects(dir, [`${dry.tree}:${path}`])).size > 0,
  };
  const steps: Step[] = [];
  for (const conflict of dry.conflicted) {
    steps.push(await decide(conflict, classify(conflict), input, ctx));
  }
  overThreshold(steps, input);
  const edits = steps.flatMap((s) => (s.decision.kind === 'resolved' ? s.decision.edits : []));
  await fixImports(dir, { ...at, tree: dry.tree }, steps, edits);
  const plan: Plan = { records: [], edits, forResolver: [], forHuman: [], renames: 0 };
  for (const { conflict, klass, decision, byHuman } of steps) {
    const resolved = decision.kind === 'resolved';
    plan.records.push({
      task: input.task,
      class: klass,
      files: (resolved && decision.files) || [conflict.path],
      strategy: decision.strategy,
      outcome: resolved ? (byHuman ? 'human' : 'resolved') : 'pending',
      detail: decision.detail,
    });
    if (resolved && decision.move) plan.renames++;
    if (decision.kind === 'resolver') plan.forResolver.push(sidesOf(conflict, klass));
    if (decision.kind === 'human') plan.forHuman.push(sidesOf(conflict, klass));
  }
  return plan;
}
