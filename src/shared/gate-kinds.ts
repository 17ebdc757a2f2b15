/**
 * The kinds of gate, as one table. Each kind declares the decisions it takes, what a `modify`
 * may change, the instructions it shows and what it adds to an open gate in `status`. The gate loop,
 * the `decide` validator, `status` and the Web UI read this table; a new kind is one entry here.
 * Sandbox-safe.
 */
import { z } from 'zod';
import { BudgetSchema } from './definition';
import { acceptedFields, type AgentInputSchema, typeProblem, unknownFields } from './input-schema';
import { DECISION_ACTIONS, type DecisionAction } from './messages';
import { ConflictSidesSchema, ResolutionsSchema } from './merge-contract';
import type { Approvers } from './definition-core';

/** A failure as a gate shows it. */
const FailureSchema = z.object({ type: z.string().optional(), message: z.string() });

/** The `changes` of a modify at a budget gate: a new run budget and/or a new budget for the phase. */
export const BudgetChangeSchema = z
  .object({ budget: BudgetSchema.optional(), phaseBudget: BudgetSchema.optional() })
  .strict()
  .refine((c) => c.budget !== undefined || c.phaseBudget !== undefined, 'give budget or phaseBudget');

/** The `changes` of a modify at a conflict gate. */
export const ConflictChangeSchema = z.object({ resolutions: ResolutionsSchema }).strict();
/** The `changes` of a modify at a verify gate: tasks to leave out of the merge. */
export const VerifyChangeSchema = z.object({ drop: z.array(z.string().min(1)).min(1) }).strict();

const issues = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.') || 'changes'}: ${i.message}`).join('; ');

/** What a kind needs to judge a modify: the input schema of the phase's agent, when the worker sent one. */
export interface ModifyContext {
  agent: string;
  schema?: AgentInputSchema;
}

interface GateKindSpec {
  /** The decisions this kind takes. */
  actions: readonly DecisionAction[];
  /** What a modify may carry in `changes`. */
  changes: z.ZodType;
  /** Why a modify's `changes` cannot be applied, or undefined when they can. */
  refuseChanges(changes: Record<string, unknown>, ctx: ModifyContext): string | undefined;
  /** Shown with the gate; a phase's own `approval.instructions` come first. */
  instructions?: string;
  /** The fields this kind adds to an open gate in `status`. */
  shows: z.ZodObject;
  /** True when approval mode `auto` may decide it. */
  autoApproves: boolean;
  /** One line for the Web UI's current details. */
  headline(gate: {
    title: string;
    id: string;
    deadline?: string;
    onTimeout?: string;
    reason?: string;
  }): string;
}

export const GATE_KINDS = {
  /** After a gated phase: a human approves its output, or sends it back. */
  approval: {
    actions: DECISION_ACTIONS,
    changes: z.record(z.string(), z.unknown()),
    refuseChanges(changes, { agent, schema }) {
      if (Object.keys(changes).length === 0) {
        return 'modify needs changes (the input fields to change); to run the phase again as it is, use retry';
      }
      const unknown = schema ? unknownFields(Object.keys(changes), schema) : [];
      if (schema && unknown.length > 0) {
        return `modify changes ${unknown.map((k) => `"${k.slice(0, 100)}"`).join(', ')}, which agent "${agent}" does not take; it accepts: ${acceptedFields(schema)}`;
      }
      for (const [key, value] of schema ? Object.entries(changes) : []) {
        const problem = typeProblem(agent, key, value, schema as AgentInputSchema);
        if (problem) return `changes.${key}: ${problem}`;
      }
      return undefined;
    },
    shows: z.object({
      /** The output the human is asked to approve. */
      output: z.unknown().optional(),
      /**
       * Set when the gate reopened because the run after a `modify` failed with `Agent.BadInput`:
       * the agent's message. The input is back to what it was before that modify, and `output` is
       * the last good run's.
       */
      error: FailureSchema.optional(),
    }),
    autoApproves: true,
    headline: (gate) =>
      `Waiting for approval of **${gate.title}** (\`${gate.id}\`)${gate.deadline ? `, until ${gate.deadline} then ${gate.onTimeout}` : ''}.`,
  },
  /** Before a phase that could go over budget. Auto mode approves work, never spending. */
  budget: {
    actions: DECISION_ACTIONS,
    changes: BudgetChangeSchema,
    refuseChanges(changes) {
      const change = BudgetChangeSchema.safeParse(changes);
      return change.success
        ? undefined
        : `modify at a budget gate takes changes like {"budget":{"tokens":200000}} or {"phaseBudget":{"costUsd":2}}: ${issues(change.error)}`;
    },
    instructions:
      'Raise the budget with modify (changes {"budget":{"tokens":N}} or {"phaseBudget":{"costUsd":N}}), approve to run the phase once anyway, skip it, or reject to stop the run.',
    shows: z.object({
      /** Why the gate opened. */
      reason: z.string(),
    }),
    autoApproves: false,
    headline: (gate) => `Budget gate before **${gate.title}** (\`${gate.id}\`): ${gate.reason ?? ''}`,
  },
  /**
   * A parallel phase's merge queue met a conflict its rules send to a human. It belongs to the
   * parallel phase (decisions name that phase). One task's merge waits; nothing is merged until it is
   * decided.
   */
  conflict: {
    actions: ['approve', 'modify', 'retry', 'skip', 'reject'],
    changes: ConflictChangeSchema,
    refuseChanges(changes) {
      const change = ConflictChangeSchema.safeParse(changes);
      return change.success
        ? undefined
        : `modify at a conflict gate takes changes like {"resolutions":{"src/router.js":"backend"}} (a task's side) or {"resolutions":{"src/router.js":{"content":"..."}}}: ${issues(change.error)}`;
    },
    instructions:
      'Resolve each file: modify with changes {"resolutions":{"<path>":"<task id>"}} to take a task\'s side, or {"resolutions":{"<path>":{"content":"..."}}}; or merge the task branch yourself in the integration worktree, commit, and approve. Skip leaves the task out of the merge; retry tries the merge again; reject ends the run.',
    shows: z.object({
      /** The task whose branch is being merged. */
      task: z.string(),
      /** The task's branch. */
      branch: z.string(),
      /** The integration worktree, where a person may merge and commit by hand. */
      worktree: z.string(),
      /** Each conflicted file with its three sides. */
      conflicts: z.array(ConflictSidesSchema),
      reason: z.string(),
      /** Why the last decision could not be taken (a resolution that did not apply, nothing committed). */
      error: FailureSchema.optional(),
    }),
    autoApproves: false,
    headline: (gate) => `Merge conflict in **${gate.title}** (\`${gate.id}\`): ${gate.reason ?? ''}`,
  },
  /** A task of a parallel phase failed and the phase's `onTaskFailure` is `gate`. Keyed `<phase>.<task>`. */
  'task-failed': {
    actions: ['retry', 'skip', 'reject'],
    changes: z.object({}).strict(),
    refuseChanges: () => 'a task-failed gate takes retry, skip or reject',
    instructions: 'Retry runs the task again; skip leaves it out of the merge; reject ends the run.',
    shows: z.object({ task: z.string(), reason: z.string(), error: FailureSchema }),
    autoApproves: false,
    headline: (gate) => `Task failed: **${gate.title}** (\`${gate.id}\`): ${gate.reason ?? ''}`,
  },
  /**
   * The merged tree of a parallel phase failed its `verify` agent; the integration branch is back at
   * its recovery ref and the task branches are kept.
   */
  verify: {
    actions: ['retry', 'modify', 'reject'],
    changes: VerifyChangeSchema,
    refuseChanges(changes) {
      const change = VerifyChangeSchema.safeParse(changes);
      return change.success
        ? undefined
        : `modify at a verify gate takes changes like {"drop":["frontend"]} (tasks to leave out of the merge): ${issues(change.error)}`;
    },
    instructions:
      'Retry merges the tasks again and re-runs verify; modify with changes {"drop":["<task id>"]} merges without those tasks; reject ends the run.',
    shows: z.object({
      reason: z.string(),
      error: FailureSchema,
      /** The tasks that were merged: the ones a modify may drop. */
      tasks: z.array(z.string()),
      /** The integration branch was reset to this commit. */
      recovery: z.string(),
    }),
    autoApproves: false,
    headline: (gate) => `Verify failed in **${gate.title}** (\`${gate.id}\`): ${gate.reason ?? ''}`,
  },
  /**
   * A phase with `onFailure: gate` failed after its retries: a human retries it, changes its input
   * and runs it again, skips it (the run goes on), or ends the run. Nothing to approve: it failed.
   */
  failure: {
    actions: ['retry', 'modify', 'skip', 'reject'],
    changes: z.record(z.string(), z.unknown()),
    // The same rules as an approval gate's modify: the fields must be ones the agent takes.
    refuseChanges: (changes, ctx): string | undefined => GATE_KINDS.approval.refuseChanges(changes, ctx),
    instructions:
      'The phase failed after its retries. Retry runs it again; modify with changes (input fields, --set key=value) merges them into its input and runs it again; skip skips it and the run goes on; reject ends the run.',
    shows: z.object({
      reason: z.string(),
      error: FailureSchema,
      /** The input the failed run had: what a modify changes. */
      input: z.record(z.string(), z.unknown()),
    }),
    autoApproves: false,
    headline: (gate) => `Phase failed: **${gate.title}** (\`${gate.id}\`): ${gate.reason ?? ''}`,
  },
  /**
   * A loop ran `maxIterations` without its `until` holding. Approval mode `auto` does not decide it:
   * accepting an unmet goal, or paying for more rounds, is a person's call.
   */
  loop: {
    actions: ['approve', 'retry', 'reject'],
    changes: z.object({}).strict(),
    refuseChanges: () =>
      'a loop gate takes approve (accept the last iteration), retry (another round) or reject',
    instructions:
      "Retry runs another round of iterations, the first fed the last one's outputs; approve accepts the last iteration and goes on; reject ends the run.",
    shows: z.object({
      reason: z.string(),
      /** Iterations run so far, over every round. */
      iterations: z.number(),
      until: z.string(),
      /** The last iteration's outputs, by body phase. */
      output: z.unknown().optional(),
    }),
    autoApproves: false,
    headline: (gate) => `Loop cap reached in **${gate.title}** (\`${gate.id}\`): ${gate.reason ?? ''}`,
  },
} as const satisfies Record<string, GateKindSpec>;

export type GateKind = keyof typeof GATE_KINDS;

/** The kind's own instructions, if it has any (an approval gate shows the phase's). */
export const instructionsOf = (kind: GateKind): string | undefined =>
  (GATE_KINDS[kind] as GateKindSpec).instructions;

/** What every open gate shows, whatever its kind. */
export interface GateCommon {
  /** `<phase>#<n>`: the phase's n-th gate. A decision may name it, so it never lands on a later one. */
  id: string;
  phase: string;
  title: string;
  openedAt: string;
  /** When the gate decides by itself (`onTimeout`), if it has a timeout. */
  deadline?: string;
  onTimeout?: 'approve' | 'reject' | 'escalate';
  instructions?: string;
  /**
   * sha256 of what the gate shows (`gateDigest`: its output and artifact hashes). A decision sends
   * it back; one with another digest is refused. Absent on runs from before governance.
   */
  digest?: string;
  /** Who may decide now (widened by an escalation); absent: anyone. */
  approvers?: Approvers;
  /** The people those approvers are, resolved through the worker's roles. */
  approverNames?: string[];
  /** With the two-person rule: how many different people must approve, and who has. */
  minApprovals?: number;
  approvals?: { by: string; role?: string; at: string }[];
  /** Reminders sent so far, and when the gate escalated. */
  reminders?: number;
  escalatedAt?: string;
  /** A policy (`autoApprove.when`) that could not decide: why, so a human knows. */
  policyError?: string;
}

/** An open gate: the common fields, its `kind`, and what that kind shows. */
export type OpenGate = {
  [K in GateKind]: GateCommon & { kind: K } & z.infer<(typeof GATE_KINDS)[K]['shows']>;
}[GateKind];

/** What a kind adds to its gate, by kind. */
export type GateShows<K extends GateKind> = z.infer<(typeof GATE_KINDS)[K]['shows']>;

export const gateId = (phase: string, n: number): string => `${phase}#${n}`;

/** A gate id as a decision names it: `<phase>#<n>`, or `<phase>.<task>#<n>` for a task's gate. */
export const GATE_ID = /^([A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z][A-Za-z0-9_-]*)?)#([1-9][0-9]{0,8})$/;
