import { z } from 'zod';
import { LIMITS } from './limits';
import { ApprovalSchema, DurationSchema, PHASE_ID } from './definition-core';
import { MergeSchema, ParallelSchema } from './parallel';
import { OutTargetSchema, RepoTargetSchema } from './repo-target';
import { WaitForSchema } from './validate-messaging';
import { ChildParamsSchema, LoopSchema, PipelineSpecSchema } from './child-kinds';

export { ApprovalSchema, DurationSchema, PHASE_ID, type Approval } from './definition-core';
import type { Approval } from './definition-core';

export const ParamSpecSchema = z
  .object({
    type: z.enum(['string', 'number', 'boolean']).default('string'),
    description: z.string().optional(),
    /** A param without a default is required unless `required: false`. */
    required: z.boolean().optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /**
     * Rules a value must meet (checked at start, by the client and again by the run). `pattern` is
     * a JavaScript regular expression, unanchored as in JSON Schema: write `^…$` to match it whole.
     */
    pattern: z
      .string()
      .min(1)
      .max(LIMITS.patternChars, `at most ${LIMITS.patternChars} characters`)
      .optional(),
    enum: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .max(100)
      .optional(),
    minLength: z.number().int().min(0).optional(),
    maxLength: z.number().int().min(0).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict();
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

export const RetrySchema = z
  .object({
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.retryMaxAttempts, `at most ${LIMITS.retryMaxAttempts} attempts`)
      .default(3),
    initialInterval: DurationSchema.default('1s'),
    backoff: z.number().min(1).max(LIMITS.retryBackoff, `at most ${LIMITS.retryBackoff}`).default(2),
    maxInterval: DurationSchema.optional(),
    /** Error types (ApplicationFailure.type) that are never retried. */
    nonRetryable: z.array(z.string().max(LIMITS.nameChars)).max(100).default([]),
  })
  .strict();
export type Retry = z.infer<typeof RetrySchema>;

/** A spending limit in LLM tokens (input + output) and/or US dollars. */
export const BudgetSchema = z
  .object({
    tokens: z.number().int().positive().optional(),
    costUsd: z.number().positive().optional(),
  })
  .strict();
export type Budget = z.infer<typeof BudgetSchema>;

export const PhaseSchema = z
  .object({
    id: z
      .string()
      .max(LIMITS.phaseIdChars, `at most ${LIMITS.phaseIdChars} characters`)
      .regex(PHASE_ID, 'must start with a letter and hold only letters, digits, "-" and "_"'),
    title: z.string().optional(),
    /** The agent the phase runs (kind `agent`); a `parallel` phase names none. */
    agent: z.string().min(1).max(LIMITS.nameChars, `at most ${LIMITS.nameChars} characters`).optional(),
    /** Kind `parallel`: tasks run side by side, each in its own worktree, then merged one by one. */
    parallel: ParallelSchema.optional(),
    /** How a parallel phase merges its tasks' branches (only with `parallel`). */
    merge: MergeSchema.optional(),
    /** Kind `pipeline`: runs a child pipeline (a template by name, or `{ definition }`). */
    pipeline: PipelineSpecSchema.optional(),
    /** A child pipeline's params (bound like `input`); only with `pipeline`. */
    params: ChildParamsSchema.optional(),
    /** Kind `loop`: runs body phases of this definition, one child pipeline per iteration. */
    loop: LoopSchema.optional(),
    needs: z.array(z.string()).default([]),
    /** The agent's input. Strings may bind `${params.name}` and `${phases.<id>.output.<path>}`. */
    input: z.record(z.string(), z.unknown()).default({}),
    /** `true` or an object: a human gate after the phase. */
    approval: z.union([z.boolean(), ApprovalSchema]).optional(),
    retry: RetrySchema.optional(),
    /** Time limit for one attempt of the agent. */
    timeout: DurationSchema.default('10m'),
    /** The agent must heartbeat at least this often, so a crashed worker is noticed quickly. */
    heartbeatTimeout: DurationSchema.optional(),
    /** The most this phase may spend over all its runs; the run also reserves it before starting the phase. */
    budget: BudgetSchema.optional(),
    /** A CEL condition over `params` and `phases`: false skips the phase (docs/conditions.md). */
    when: z.string().optional(),
    /** When the phase fails after its retries: a fallback phase's id, or `gate` (a failure gate). */
    onFailure: z.string().min(1).optional(),
    /** Wait for a message on a channel before running; without an agent, a `wait` phase (docs/messaging.md). */
    waitFor: WaitForSchema.optional(),
  })
  .strict()
  .superRefine((phase, ctx) => {
    const kinds = (['agent', 'parallel', 'pipeline', 'loop'] as const).filter((k) => phase[k] !== undefined);
    if (kinds.length === 0 && phase.waitFor === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['agent'],
        message:
          'a phase names an agent (kind agent), or has parallel: { tasks }, pipeline: <template>, loop: { phases, until } or waitFor: { channel } (kind wait)',
      });
    }
    if (phase.agent !== undefined && phase.parallel !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['parallel'],
        message: 'a phase has either agent or parallel, not both; put the agent in each task',
      });
    } else if (kinds.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [kinds[1] as string],
        message: `a phase has one of agent, parallel, pipeline and loop, not both ${kinds.join(' and ')}; split it into two phases`,
      });
    }
    if (phase.params !== undefined && phase.pipeline === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['params'],
        message: 'params are for a child pipeline: add pipeline: <template>',
      });
    }
    if (phase.merge !== undefined && phase.parallel === undefined) {
      ctx.addIssue({ code: 'custom', path: ['merge'], message: 'merge settings need parallel: { tasks }' });
    }
  });
export type Phase = z.infer<typeof PhaseSchema>;
export type PhaseInput = z.input<typeof PhaseSchema>;

export const DefinitionSchema = z
  .object({
    name: z.string().min(1).max(LIMITS.nameChars, `at most ${LIMITS.nameChars} characters`),
    version: z.union([z.string(), z.number()]).transform(String).default('1'),
    description: z.string().default(''),
    params: z.record(z.string(), ParamSpecSchema).default({}),
    /** The most the whole run may spend; the run opens a budget gate instead of going over. */
    budget: BudgetSchema.optional(),
    phases: z
      .array(PhaseSchema)
      .min(1)
      .max(LIMITS.phases, `at most ${LIMITS.phases} phases; split the pipeline`),
  })
  .strict();
export type Definition = z.infer<typeof DefinitionSchema>;
export type DefinitionInput = z.input<typeof DefinitionSchema>;

export type ParamValue = string | number | boolean;
export type Params = Record<string, ParamValue>;

export const ApprovalModeSchema = z.enum(['manual', 'auto']);
export type ApprovalMode = z.infer<typeof ApprovalModeSchema>;

/** The one argument of the `pipeline` workflow. */
export const PipelineInputSchema = z.object({
  definition: z.unknown().refine((value) => value !== undefined, {
    error: 'definition is required: the pipeline definition object { name, phases }',
  }),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  approvalMode: ApprovalModeSchema.default('manual'),
  /** The template the definition came from, if any; shown in lists. */
  template: z.string().max(LIMITS.nameChars, `at most ${LIMITS.nameChars} characters`).optional(),
  /** Work on the user's repository (`--repo`): the run starts from its commit, publishes a branch. */
  repo: RepoTargetSchema.optional(),
  /** Export the final tree into a directory when the run completes (`--out`). */
  out: OutTargetSchema.optional(),
});
export type PipelineInput = z.input<typeof PipelineInputSchema>;

/** The gate settings of a phase, normalised: undefined when the phase has no gate. */
export function gateOf(phase: Phase): Approval | undefined {
  if (phase.approval === undefined || phase.approval === false) return undefined;
  if (phase.approval === true) return { onTimeout: 'reject' };
  return phase.approval;
}

/** What `status` names as a phase's agent: its agent, or `parallel` for a parallel phase. */
export const phaseAgent = (phase: Phase): string =>
  phase.agent ??
  (phase.pipeline ? 'pipeline' : phase.loop ? 'loop' : phase.parallel === undefined && phase.waitFor ? 'wait' : 'parallel');

/**
 * Every agent a definition names where it can be known before the run: the phases' agents, the
 * tasks of literal task lists, the verify and resolver agents. Tasks bound from an output are checked
 * when the phase starts.
 */
export function agentsOf(definition: Definition): string[] {
  const names = new Set<string>();
  for (const phase of definition.phases) {
    if (phase.agent !== undefined) names.add(phase.agent);
    if (Array.isArray(phase.parallel?.tasks)) {
      for (const task of phase.parallel.tasks) {
        const agent = (task as { agent?: unknown } | null)?.agent;
        if (typeof agent === 'string') names.add(agent);
      }
    }
    const verify = phase.merge?.verify;
    if (verify !== undefined) names.add(typeof verify === 'string' ? verify : verify.agent);
    const resolver = phase.merge?.conflicts.file.resolver;
    if (resolver !== undefined) names.add(resolver);
  }
  return [...names];
}
