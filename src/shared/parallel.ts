/**
 * The `parallel` phase kind: its settings, its tasks, the conflict rules of its merge queue, and
 * what `status` shows of it. Sandbox-safe: the workflow, the activities and the client all read it.
 */
import { z } from 'zod';
import { ancestors, findCycle } from './dag';
import { ApprovalSchema, DurationSchema, PHASE_ID } from './definition-core';
import { LIMITS } from './limits';

/** A lock name: shared by every run that declares it (`repo:payments-service`, `db-schema`). */
export const LOCK_NAME = /^[A-Za-z0-9][A-Za-z0-9:._/@-]*$/;

export const TaskSchema = z
  .object({
    id: z
      .string()
      .max(LIMITS.phaseIdChars, `at most ${LIMITS.phaseIdChars} characters`)
      .regex(PHASE_ID, 'must start with a letter and hold only letters, digits, "-" and "_"'),
    title: z.string().max(500).optional(),
    agent: z.string().min(1).max(LIMITS.nameChars, `at most ${LIMITS.nameChars} characters`),
    input: z.record(z.string(), z.unknown()).default({}),
    needs: z.array(z.string()).max(LIMITS.parallelTasks).default([]),
    /** Files or folders the task expects to touch (`src/routes/`, `package.json`, `src/**\/*.ts`). */
    paths: z.array(z.string().min(1).max(1000)).max(1000).default([]),
    /** Resources the task holds while it runs; a lock is shared across runs. */
    locks: z
      .array(
        z
          .string()
          .max(LIMITS.nameChars)
          .regex(
            LOCK_NAME,
            'a lock name holds letters, digits and ":._/@-", and starts with a letter or digit',
          ),
      )
      .max(20)
      .default([]),
    /** A gate of the task's own, after it ran: approving it does not wait for the other tasks. */
    approval: z.union([z.boolean(), ApprovalSchema]).optional(),
    // What a decomposer adds to describe a task; kept and shown, not used to run it.
    description: z.string().max(10_000).optional(),
    specialist: z.string().max(LIMITS.nameChars).optional(),
    estimate: z.union([z.string().max(100), z.number()]).optional(),
    inputs: z.array(z.string().max(1000)).max(100).optional(),
    outputs: z.array(z.string().max(1000)).max(100).optional(),
  })
  .strict();
export type Task = z.infer<typeof TaskSchema>;
export type TaskInput = z.input<typeof TaskSchema>;

export const ON_TASK_FAILURE = ['fail-run', 'drop-task', 'gate'] as const;

export const ParallelSchema = z
  .object({
    /** A literal list, or one binding such as `${phases.plan.output.tasks}`. */
    tasks: z.union([z.string(), z.array(z.unknown()).max(LIMITS.parallelTasks)]),
    maxConcurrent: z.number().int().min(1).max(LIMITS.parallelTasks).default(4),
    /** Time limit for one attempt of a task's agent. */
    taskTimeout: DurationSchema.default('1h'),
    onTaskFailure: z.enum(ON_TASK_FAILURE).default('fail-run'),
    /** Keep the task branches after a cancel or reject (they are always kept after a verify failure). */
    keepBranches: z.boolean().default(false),
  })
  .strict();
export type Parallel = z.infer<typeof ParallelSchema>;

export const CONFLICT_CLASSES = ['file', 'api', 'dependency', 'naming'] as const;
export type ConflictClass = (typeof CONFLICT_CLASSES)[number];

export const ConflictRulesSchema = z
  .object({
    file: z
      .object({
        strategy: z.enum(['three-way', 'ours', 'theirs', 'resolver', 'human']).default('three-way'),
        /** When the strategy cannot resolve it (three-way found a real conflict, the resolver failed). */
        fallback: z.enum(['human', 'ours', 'theirs']).default('human'),
        /** The agent `resolver` runs. */
        resolver: z.string().max(LIMITS.nameChars).optional(),
      })
      .strict()
      .default({ strategy: 'three-way', fallback: 'human' }),
    api: z
      .object({
        strategy: z.enum(['latest-wins', 'human']).default('latest-wins'),
        /** Re-parse the merged OpenAPI document; a document that no longer parses goes to a human. */
        validate: z.boolean().default(true),
      })
      .strict()
      .default({ strategy: 'latest-wins', validate: true }),
    dependency: z
      .object({ strategy: z.enum(['highest-compatible', 'human']).default('highest-compatible') })
      .strict()
      .default({ strategy: 'highest-compatible' }),
    naming: z
      .object({
        strategy: z.enum(['prefix-with-task', 'human']).default('prefix-with-task'),
        /** More renames than this in one run go to a human. */
        humanThreshold: z.number().int().min(0).max(1000).default(5),
      })
      .strict()
      .default({ strategy: 'prefix-with-task', humanThreshold: 5 }),
  })
  .strict();
export type ConflictRules = z.infer<typeof ConflictRulesSchema>;

export const VerifySchema = z.union([
  z.string().min(1).max(LIMITS.nameChars),
  z
    .object({
      agent: z.string().min(1).max(LIMITS.nameChars),
      input: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
]);

export const MergeSchema = z
  .object({
    strategy: z.enum(['merge', 'squash', 'rebase']).default('merge'),
    conflicts: ConflictRulesSchema.default(ConflictRulesSchema.parse({})),
    /** An agent run on the merged tree (`build`, or `{ agent, input }`); omit for none. */
    verify: VerifySchema.optional(),
  })
  .strict();
export type Merge = z.infer<typeof MergeSchema>;
export const DEFAULT_MERGE: Merge = MergeSchema.parse({});

/** The verify step's agent and input, or undefined. */
export function verifyOf(merge: Merge): { agent: string; input: Record<string, unknown> } | undefined {
  if (merge.verify === undefined) return undefined;
  return typeof merge.verify === 'string' ? { agent: merge.verify, input: {} } : merge.verify;
}

/** The key a task's gates and decisions use: `<phase>.<task>` (a phase id never holds a `.`). */
export const taskKey = (phase: string, task: string): string => `${phase}.${task}`;
/** The phase and task of a `<phase>.<task>` key, or undefined for a phase id. */
export function splitTaskKey(key: string): { phase: string; task: string } | undefined {
  const dot = key.indexOf('.');
  return dot < 0 ? undefined : { phase: key.slice(0, dot), task: key.slice(dot + 1) };
}

export interface TaskProblem {
  path: string;
  message: string;
}

/**
 * Parses and checks a task list: every task's shape, unique ids, needs that name tasks of the list,
 * no cycle, and (with `agents`) known agents. Every problem at once, each naming the task and field.
 */
export function checkTasks(
  raw: unknown,
  at: string,
  agents?: readonly string[],
): { ok: true; tasks: Task[] } | { ok: false; problems: TaskProblem[] } {
  if (!Array.isArray(raw)) {
    return {
      ok: false,
      problems: [{ path: at, message: `tasks must be a list of tasks, got ${describe(raw)}` }],
    };
  }
  const problems: TaskProblem[] = [];
  if (raw.length === 0)
    problems.push({ path: at, message: 'the task list is empty; give at least one task' });
  if (raw.length > LIMITS.parallelTasks) {
    problems.push({ path: at, message: `${raw.length} tasks; at most ${LIMITS.parallelTasks}` });
  }
  const tasks: Task[] = [];
  raw.forEach((item, i) => {
    const parsed = TaskSchema.safeParse(item);
    const name = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : String(i);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.join('.');
        problems.push({
          path: `${at}[${name}]${field ? `.${field}` : ''}`,
          message:
            issue.code === 'unrecognized_keys'
              ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; a task takes ${Object.keys(TaskSchema.shape).join(', ')}`
              : issue.message,
        });
      }
      return;
    }
    tasks.push(parsed.data);
  });
  const ids = new Set<string>();
  for (const task of tasks) {
    if (ids.has(task.id))
      problems.push({ path: `${at}[${task.id}].id`, message: `duplicate task id "${task.id}"` });
    ids.add(task.id);
  }
  const known = agents ? new Set(agents) : undefined;
  for (const task of tasks) {
    task.needs.forEach((need, i) => {
      if (need === task.id)
        problems.push({ path: `${at}[${task.id}].needs[${i}]`, message: 'a task cannot need itself' });
      else if (!ids.has(need)) {
        problems.push({
          path: `${at}[${task.id}].needs[${i}]`,
          message: `needs "${need}", which is not a task of this list; tasks are: ${[...ids].join(', ')}`,
        });
      }
    });
    if (known && !known.has(task.agent)) {
      problems.push({
        path: `${at}[${task.id}].agent`,
        message: `unknown agent "${task.agent}"; known agents: ${[...known].sort().join(', ')}`,
      });
    }
  }
  const cycle = findCycle(tasks);
  if (cycle)
    problems.push({ path: `${at}[${cycle[0]}].needs`, message: `dependency cycle: ${cycle.join(' → ')}` });
  return problems.length ? { ok: false, problems } : { ok: true, tasks };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 100))}`;
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/**
 * Tasks in dependency order: each after its needs, ties kept in list order. The merge queue merges
 * in this order.
 */
export function dependencyOrder(tasks: readonly Task[]): Task[] {
  const placed = new Set<string>();
  const order: Task[] = [];
  while (order.length < tasks.length) {
    const next = tasks.find((t) => !placed.has(t.id) && t.needs.every((n) => placed.has(n)));
    if (!next) break; // a cycle: refused by checkTasks
    placed.add(next.id);
    order.push(next);
  }
  return order;
}

/** Two tasks whose declared paths overlap, with no dependency between them. */
export interface PredictedConflict {
  tasks: [string, string];
  /** The overlapping paths, as each task declared them (`a/` ∩ `a/b.ts` → `a/b.ts`). */
  paths: string[];
}

/** The fixed part of a path pattern: everything before its first `*`, `?` or `[`. */
const stem = (pattern: string): string => {
  const cut = pattern.search(/[*?[]/);
  return (cut < 0 ? pattern : pattern.slice(0, cut)).replace(/^\.\//, '');
};

/** True when the two patterns can name a common file. A folder (`src/`) covers everything in it. */
export function pathsOverlap(a: string, b: string): boolean {
  const [sa, sb] = [stem(a), stem(b)];
  const wildA = sa.length !== a.replace(/^\.\//, '').length;
  const wildB = sb.length !== b.replace(/^\.\//, '').length;
  const dirA = wildA || sa.endsWith('/');
  const dirB = wildB || sb.endsWith('/');
  if (!dirA && !dirB) return sa === sb;
  if (dirA && sb.startsWith(sa)) return true;
  if (dirB && sa.startsWith(sb)) return true;
  return false;
}

/**
 * Seed 000's predictive conflict detection: pairs of tasks that declare overlapping paths and may run
 * side by side (neither needs the other, directly or not). Shown at the plan gate and in `status`.
 */
export function predictConflicts(tasks: readonly Task[]): PredictedConflict[] {
  const before = new Map(tasks.map((t) => [t.id, ancestors(tasks, t.id)]));
  const found: PredictedConflict[] = [];
  for (let i = 0; i < tasks.length; i++) {
    for (let j = i + 1; j < tasks.length; j++) {
      const [a, b] = [tasks[i] as Task, tasks[j] as Task];
      if (before.get(a.id)?.has(b.id) || before.get(b.id)?.has(a.id)) continue;
      const paths = new Set<string>();
      for (const pa of a.paths) {
        for (const pb of b.paths) {
          if (pathsOverlap(pa, pb)) paths.add(stem(pa).length >= stem(pb).length ? pa : pb);
        }
      }
      if (paths.size > 0) found.push({ tasks: [a.id, b.id], paths: [...paths].sort() });
    }
  }
  return found;
}

export type {
  ConflictRecord,
  ConflictSides,
  MergeQueueEntry,
  ParallelStatus,
  TaskState,
  TaskStatus,
} from './parallel-status';
