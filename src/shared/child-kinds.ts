/**
 * The fields of the phase kinds that run child `pipeline` workflows: `pipeline` (a child pipeline,
 * hierarchical mode) and `loop` (iterations of a body of phases, autonomous mode). Schemas only;
 * the checks that need the whole definition are in validate-children.ts. Sandbox-safe.
 */
import { z } from 'zod';
import { LIMITS } from './limits';

/** Most iterations one round of a loop may run; a `loop` gate's retry starts another round. */
export const LOOP_MAX_ITERATIONS = 100;

/**
 * Kind `pipeline`: a template by name (resolved on the worker), or an inline definition, which may
 * be one binding (`${phases.plan.output.definition}`) resolved when the phase starts.
 */
export const PipelineSpecSchema = z.union([
  z.string().min(1).max(LIMITS.nameChars, `at most ${LIMITS.nameChars} characters`),
  z
    .object({ template: z.string().min(1).max(LIMITS.nameChars, `at most ${LIMITS.nameChars} characters`) })
    .strict(),
  z.object({ definition: z.unknown() }).strict(),
]);
export type PipelineSpec = z.infer<typeof PipelineSpecSchema>;

/** A child pipeline's params: an object whose strings may bind, or one binding of an object. */
export const ChildParamsSchema = z.union([z.record(z.string(), z.unknown()), z.string()]);

/** Kind `loop`: the body phases run as one child pipeline per iteration until `until` holds. */
export const LoopSchema = z
  .object({
    /** Phases of the same definition that form the body, run only by the loop. */
    phases: z.array(z.string().min(1)).min(1, 'list at least one body phase'),
    /** CEL over `phases` (this iteration's outputs), `params` and `iteration`: true ends the loop. */
    until: z.string().min(1, 'give a CEL condition, for example phases.build.output.tests.failed == 0'),
    maxIterations: z
      .number()
      .int('a whole number')
      .min(1, 'at least 1')
      .max(LOOP_MAX_ITERATIONS, `at most ${LOOP_MAX_ITERATIONS}`)
      .default(3),
  })
  .strict();
export type Loop = z.infer<typeof LoopSchema>;

/** The variables a loop's `until` may read. */
export const LOOP_VARIABLES = ['phases', 'params', 'iteration'] as const;

/** How a pipeline spec names its definition. */
export type ChildSource =
  | { kind: 'template'; name: string }
  | { kind: 'inline'; definition: unknown }
  | { kind: 'bound'; binding: string };

const WHOLE_BINDING = /^\s*\$\{[^}]+\}\s*$/;

export function sourceOf(spec: PipelineSpec): ChildSource {
  if (typeof spec === 'string') return { kind: 'template', name: spec };
  if ('template' in spec) return { kind: 'template', name: spec.template };
  if (typeof spec.definition === 'string' && WHOLE_BINDING.test(spec.definition))
    return { kind: 'bound', binding: spec.definition.trim() };
  return { kind: 'inline', definition: spec.definition };
}
