/**
 * The activity contract of a parallel phase: task worktrees, the merge queue and its clean-up.
 * Sandbox-safe: the workflow imports these types; the activities parse their input through them.
 */
import { z } from 'zod';
import { CONFLICT_CLASSES, ConflictRulesSchema } from './parallel';

const commit = z.string().regex(/^[0-9a-f]{40,64}$/, 'a full commit id');
const path = z.string().min(1);

export const CreateTaskWorktreeInputSchema = z.object({
  /** The run's repository (from `prepareWorkspace`). */
  workspace: path,
  /** The run id: task branches are `baton/<run id>/<phase>/<task>`. */
  runId: z.string().min(1),
  phase: z.string().min(1),
  task: z.string().min(1),
  /** The commit the parallel phase started on. */
  base: commit,
});
export type CreateTaskWorktreeInput = z.infer<typeof CreateTaskWorktreeInputSchema>;
export const CreateTaskWorktreeResultSchema = z.object({ worktree: z.string(), branch: z.string() });
export type CreateTaskWorktreeResult = z.infer<typeof CreateTaskWorktreeResultSchema>;

export const WorktreeHeadInputSchema = z.object({ worktree: path });
export type WorktreeHeadInput = z.infer<typeof WorktreeHeadInputSchema>;
export const WorktreeHeadResultSchema = z.object({ head: commit, branch: z.string() });
export type WorktreeHeadResult = z.infer<typeof WorktreeHeadResultSchema>;

export const BeginMergeQueueInputSchema = z.object({
  /** The integration worktree (the parallel phase's own, on branch `baton/<phase>`). */
  worktree: path,
  phase: z.string().min(1),
  /** Which run of the parallel phase, and which pass of its queue (a verify retry merges again). */
  run: z.number().int().min(1),
  pass: z.number().int().min(1),
});
export type BeginMergeQueueInput = z.infer<typeof BeginMergeQueueInputSchema>;
export const BeginMergeQueueResultSchema = z.object({
  /** The integration branch's tip before the queue: `ref` points at it. Idempotent: a retry returns the same. */
  recovery: commit,
  ref: z.string(),
});
export type BeginMergeQueueResult = z.infer<typeof BeginMergeQueueResultSchema>;

/** How a person resolves one file at a conflict gate: a task's side, or the content. */
export const ResolutionSchema = z.union([z.string().min(1), z.object({ content: z.string() }).strict()]);
export type Resolution = z.infer<typeof ResolutionSchema>;
export const ResolutionsSchema = z.record(z.string().min(1), ResolutionSchema);

export const ConflictRecordSchema = z.object({
  task: z.string(),
  class: z.enum(CONFLICT_CLASSES),
  files: z.array(z.string()),
  strategy: z.string(),
  outcome: z.enum(['resolved', 'human', 'pending']),
  detail: z.string().optional(),
});

export const ConflictSidesSchema = z.object({
  path: z.string(),
  class: z.enum(CONFLICT_CLASSES),
  base: z.string().optional(),
  ours: z.string().optional(),
  theirs: z.string().optional(),
  truncated: z.boolean().optional(),
});

export const MergeTaskInputSchema = z.object({
  /** The integration worktree. */
  worktree: path,
  phase: z.string().min(1),
  task: z.string().min(1),
  /** The task's branch. */
  branch: z.string().min(1),
  strategy: z.enum(['merge', 'squash', 'rebase']),
  rules: ConflictRulesSchema,
  /** Task ids in the order they finished: `latest-wins` takes the later one's side. */
  finished: z.array(z.string()),
  /** Tasks already merged into the integration branch in this pass (their side is "ours"). */
  merged: z.array(z.string()),
  /** Renames `prefix-with-task` made earlier in this pass (`humanThreshold` counts them all). */
  renames: z.number().int().min(0),
  /** From a conflict gate's modify: per file, the task whose side to take, or the content. */
  resolutions: ResolutionsSchema.optional(),
  /** From a conflict gate's approve: the person merged the task in the worktree; check and take it. */
  acceptCommitted: z.boolean().optional(),
  /**
   * The resolver agent's answer (`ResolverOutput.resolutions`): per file, the merged content. Kept
   * apart from a person's `resolutions` (which win for a file named in both) so the records say who
   * resolved what. A file it left out, or left markers in, goes to `rules.file.fallback`.
   */
  resolverResolutions: z.record(z.string().min(1), z.string()).optional(),
  /** The resolver agent failed (the reason): its files go to `rules.file.fallback`. */
  resolverFailed: z.string().optional(),
});
export type MergeTaskInput = z.infer<typeof MergeTaskInputSchema>;

export const MergeTaskResultSchema = z.object({
  /**
   * `merged`: the task is in the integration branch (a retry after a crash also says so, with the
   * same records). `conflict`: nothing changed; `sides` are for a human. `needs-resolver`: nothing
   * changed; `sides` are for the resolver agent, whose answer comes back as `resolutions`.
   */
  outcome: z.enum(['merged', 'conflict', 'needs-resolver']),
  /** The integration branch's tip after the merge (or as it is, when nothing changed). */
  commit: commit,
  conflicts: z.array(ConflictRecordSchema),
  sides: z.array(ConflictSidesSchema),
  /** Renames this merge made. */
  renames: z.number().int().min(0),
  /** Why an `acceptCommitted` or a resolution could not be taken (the gate shows it and reopens). */
  problem: z.string().optional(),
});
export type MergeTaskResult = z.infer<typeof MergeTaskResultSchema>;

export const ResetIntegrationInputSchema = z.object({ worktree: path, to: commit });
export type ResetIntegrationInput = z.infer<typeof ResetIntegrationInputSchema>;
export const ResetIntegrationResultSchema = z.object({ head: commit });
export type ResetIntegrationResult = z.infer<typeof ResetIntegrationResultSchema>;

export const CleanupTasksInputSchema = z.object({
  workspace: path,
  /** Task worktrees to remove (missing ones are fine: idempotent). */
  worktrees: z.array(path),
  /** Task branches to delete when `deleteBranches`. */
  branches: z.array(z.string().min(1)),
  deleteBranches: z.boolean(),
});
export type CleanupTasksInput = z.infer<typeof CleanupTasksInputSchema>;
export const CleanupTasksResultSchema = z.object({ removed: z.number(), deleted: z.number() });
export type CleanupTasksResult = z.infer<typeof CleanupTasksResultSchema>;

/** The input a `resolver` agent gets, and the output it must return. */
export const ResolverInputSchema = z.object({
  task: z.string(),
  conflicts: z.array(ConflictSidesSchema),
});
export const ResolverOutputSchema = z.object({ resolutions: z.record(z.string(), z.string()) });
export type Resolutions = z.infer<typeof ResolutionsSchema>;
