/**
 * The dispatcher's contract: what a request is, and the decision the analysis returns for it. One
 * schema, read by the analysis activity, the `dispatch` workflow, the CLI and the LLM's structured
 * output alike. Sandbox-safe (zod only).
 */
import { z } from 'zod';

export const WORKFLOW_TYPES = [
  'project-management',
  'research',
  'security-audit',
  'development',
  'custom',
] as const;
export const WorkflowTypeSchema = z.enum(WORKFLOW_TYPES);
export type WorkflowType = z.infer<typeof WorkflowTypeSchema>;

export const ComplexitySchema = z.enum(['simple', 'moderate', 'complex']);
export type Complexity = z.infer<typeof ComplexitySchema>;

export const StrategySchema = z.enum(['template', 'compose', 'hybrid']);
export type Strategy = z.infer<typeof StrategySchema>;

export const EstimateSchema = z.object({
  /** Milliseconds of agent work (gates not counted). */
  duration: z.number().min(0),
  tokens: z.number().int().min(0),
  costUsd: z.number().min(0),
  /** `history`: medians of past runs of the template; `defaults`: per-agent figures. */
  basis: z.enum(['history', 'defaults']),
});
export type Estimate = z.infer<typeof EstimateSchema>;

export const DispatchDecisionSchema = z.object({
  workflowType: WorkflowTypeSchema,
  complexity: ComplexitySchema,
  agents: z.array(z.object({ name: z.string().min(1), confidence: z.number().min(0).max(1) })),
  estimate: EstimateSchema,
  strategy: StrategySchema,
  /** The template run (strategy template), or the templates combined (hybrid: `research+sdlc`). */
  template: z.string().optional(),
  /** The pipeline definition to run: the template's, a composed one, or the combined one. */
  definition: z.record(z.string(), z.unknown()).optional(),
  /** The params the definition runs with (from the request and `--context`). */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  reasoning: z.string(),
});
export type DispatchDecision = z.infer<typeof DispatchDecisionSchema>;

/** `--context k=v`: extra facts; a key that names a param of the chosen definition sets it. */
export const DispatchContextSchema = z.record(z.string().max(100), z.string().max(2000)).default({});

export const DispatchRequestSchema = z.object({
  request: z
    .string()
    .trim()
    .min(3, 'describe the work in a few words, e.g. "Research AI coding assistants"')
    .max(4000, 'at most 4000 characters; put long briefs in files the agents read'),
  context: DispatchContextSchema,
});
export type DispatchRequest = z.input<typeof DispatchRequestSchema>;

/** What the `dispatch` search attribute holds: `<strategy>:<template|composed>`. */
export const dispatchTag = (decision: Pick<DispatchDecision, 'strategy' | 'template'>): string =>
  `${decision.strategy}:${decision.strategy === 'compose' ? 'composed' : (decision.template ?? 'composed')}`;

/** The workflow type of a dispatch (one durable history per request). */
export const DISPATCH_WORKFLOW_TYPE = 'dispatch';
