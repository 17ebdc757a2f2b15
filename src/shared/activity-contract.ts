/**
 * The activity contract: what the workflow sends each activity and what it gets back, as zod
 * schemas with their inferred types. Sandbox-safe: workflows import these types, never the
 * activities; activities parse their input through these schemas.
 */
import { z } from 'zod';
import { OutTargetSchema, RepoTargetSchema } from './repo-target';
import type { AgentInputSchemas } from './input-schema';
import type { NotificationEvent } from './notifications';

const id = z.string().min(1);
const commit = z.string().regex(/^[0-9a-f]{40,64}$/, 'a full commit id');

/** A file kept outside history, content-addressed. History holds only this ref. */
export const ArtifactRefSchema = z.object({
  uri: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  mediaType: z.string(),
  /** Workspace-relative path, or a name the agent chose. */
  name: z.string(),
});
export type ArtifactRef = z.infer<typeof ArtifactRefSchema>;

/** LLM usage of one phase run, summed over its calls. */
export const PhaseUsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  calls: z.number(),
  /** False when some call's model had no known price (its cost is missing from costUsd). */
  costKnown: z.boolean(),
});
export type PhaseUsage = z.infer<typeof PhaseUsageSchema>;

export const RunAgentInputSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  phase: z.string(),
  agent: z.string(),
  /** The phase input, bindings already resolved. */
  input: z.unknown(),
  /** Which run of the phase this is (gates may run a phase again). */
  run: z.number().int().min(1),
  /**
   * The phase's worktree (from `createWorktree`), where the agent works and commits. Absent in runs
   * started before worktrees: the agent then works in the run's workspace, found from the ids.
   */
  worktree: z.string().min(1).optional(),
});
export type RunAgentInput = z.infer<typeof RunAgentInputSchema>;

export const RunAgentResultSchema = z.object({
  /** The agent's output, or `{ $artifact }` when it was too large for history. */
  output: z.unknown(),
  /** The activity attempt that succeeded. */
  attempt: z.number(),
  startedAt: z.string(),
  endedAt: z.string(),
  /** The commit holding this phase run's changes (on the phase's branch, with worktrees). */
  commit: z.string(),
  /** Files the phase changed, and anything the agent stored, as refs. */
  artifacts: z.array(ArtifactRefSchema),
  usage: PhaseUsageSchema,
  /** True when an earlier attempt had already finished the work (a retry after a crash). */
  replayed: z.boolean().optional(),
  /** True when the agent can use an LLM but none is configured for it, so it ran deterministically. */
  withoutLlm: z.boolean().optional(),
});
export type RunAgentResult = z.infer<typeof RunAgentResultSchema>;

export const CheckAgentsInputSchema = z.object({ names: z.array(z.string()) });
export type CheckAgentsInput = z.infer<typeof CheckAgentsInputSchema>;

export const CheckAgentsResultSchema = z.object({
  /** Names from the input this worker does not know. */
  unknown: z.array(z.string()),
  /** Every agent this worker knows, sorted. */
  known: z.array(z.string()),
  /** Input schemas of the known agents the input named (read with `readAgentSchemas`). */
  schemas: z.record(z.string(), z.unknown()),
});
export type CheckAgentsResult = Omit<z.infer<typeof CheckAgentsResultSchema>, 'schemas'> & {
  schemas: AgentInputSchemas;
};

export const PrepareWorkspaceInputSchema = z.object({
  workflowId: id,
  runId: id,
  /** A `--repo` run: the workspace is a clone of the user's repository at `repo.commit`. */
  repo: RepoTargetSchema.optional(),
});
export type PrepareWorkspaceInput = z.infer<typeof PrepareWorkspaceInputSchema>;

export const PrepareWorkspaceResultSchema = z.object({
  /** The run's repository, `<root>/<workflow id>/<run id>` with both ids encoded. */
  workspace: z.string(),
  /** The run's main branch as the workspace was found (its first commit for a new run). */
  head: commit,
});
export type PrepareWorkspaceResult = z.infer<typeof PrepareWorkspaceResultSchema>;

export const ExportTreeInputSchema = z.object({ workspace: z.string().min(1), out: OutTargetSchema });
export type ExportTreeInput = z.infer<typeof ExportTreeInputSchema>;
export interface ExportTreeResult {
  /** The directory written, absolute. */
  dir: string;
  files: number;
}

export const CreateWorktreeInputSchema = z.object({
  workspace: z.string().min(1),
  phase: id,
  /** The commit the phase starts from: what its needs produced. */
  base: commit,
});
export type CreateWorktreeInput = z.infer<typeof CreateWorktreeInputSchema>;

export const CreateWorktreeResultSchema = z.object({
  worktree: z.string(),
  /** The phase's branch, `baton/<phase>`. */
  branch: z.string(),
});
export type CreateWorktreeResult = z.infer<typeof CreateWorktreeResultSchema>;

export const CommitWorktreeInputSchema = z.object({
  worktree: z.string().min(1),
  workflowId: z.string(),
  runId: z.string(),
  phase: id,
  run: z.number().int().min(1),
  attempt: z.number().int().min(1),
  agent: z.string(),
});
export type CommitWorktreeInput = z.infer<typeof CommitWorktreeInputSchema>;

export const ChangedFileSchema = z.object({
  /** Workspace-relative, posix. */
  path: z.string(),
  /** `symlink`: git holds the link text, not the target; `submodule`: a nested repository. */
  kind: z.enum(['file', 'symlink', 'submodule']),
});
export type ChangedFile = z.infer<typeof ChangedFileSchema>;

export const CommitWorktreeResultSchema = z.object({
  commit: z.string(),
  /** Files added or modified by this commit. */
  changed: z.array(ChangedFileSchema),
});
export type CommitWorktreeResult = z.infer<typeof CommitWorktreeResultSchema>;

export const MergeWorktreeInputSchema = z.object({
  workspace: z.string().min(1),
  phase: id,
  branch: z.string().min(1),
});
export type MergeWorktreeInput = z.infer<typeof MergeWorktreeInputSchema>;

export const MergeWorktreeResultSchema = z.object({
  /** The run's main branch after the merge. */
  commit: z.string(),
  /** True when main moved forward to the phase's commit; false for a merge commit. */
  fastForward: z.boolean(),
});
export type MergeWorktreeResult = z.infer<typeof MergeWorktreeResultSchema>;

export const RemoveWorktreeInputSchema = z.object({
  workspace: z.string().min(1),
  worktree: z.string().min(1),
});
export type RemoveWorktreeInput = z.infer<typeof RemoveWorktreeInputSchema>;

export const RemoveWorktreeResultSchema = z.object({ removed: z.boolean() });
export type RemoveWorktreeResult = z.infer<typeof RemoveWorktreeResultSchema>;

/** Local activity `verifyDecision`: checks a decision's `sig` with the worker's keys (issue 10). */
export interface VerifyDecisionInput {
  workflowId: string;
  /** The gate the decision is for (the open gate's id) and the digest it shows. */
  gate: string;
  digest: string;
  decision: {
    action: string;
    by: string;
    comment?: string;
    changes?: Record<string, unknown>;
    signedAt?: string;
    sig?: string;
    keyId?: string;
  };
}
/** `ok: false` carries the reason the decision is refused or ignored ("unsigned", "bad signature: …"). */
export type VerifyDecisionResult = { ok: true; keyId: string } | { ok: false; reason: string };

/** Local activity `notifyGate`: a reminder or escalation goes to the worker log and the webhook. */
export interface NotifyGateInput {
  workflowId: string;
  gate: string;
  phase: string;
  title: string;
  event: 'reminder' | 'escalation';
  /** The people notified (resolved approvers). */
  to: string[];
  message: string;
}
export interface NotifyGateResult {
  /** Where it went: `log`, and `webhook` when one is configured and answered 2xx. */
  delivered: string[];
  /** Why the webhook did not take it, when it did not (the run goes on regardless). */
  error?: string;
}

/** Activity `deliverNotification`: one event to every configured sink that wants it (issue 11). */
export interface DeliverNotificationInput {
  notification: NotificationEvent;
}
export interface DeliverNotificationResult {
  /** The sinks that took it (`webhook:<host>`, `slack:<host>`, `command:<program>`). */
  delivered: string[];
}
