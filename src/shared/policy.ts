/**
 * Gate policies in CEL (`approval.autoApprove.when`, `baton approve --all --where`), evaluated in
 * the workflow sandbox by a pure-JS CEL library. Sandbox-safe.
 *
 * CONTRACT (issue 10): the helper that owns this file replaces the bodies; the signatures stay.
 */

/** A parse error with its position in the expression (1-based column), for definition errors. */
export interface PolicyProblem {
  message: string;
  /** 1-based column of the error in the expression, when the parser knows it. */
  column?: number;
}

/** Why the expression cannot be used, or undefined when it parses. */
export function policyProblem(expression: string): PolicyProblem | undefined {
  void expression;
  throw new Error('policyProblem: not implemented yet');
}

/** The outcome of evaluating a policy: its boolean value and the inputs it read, or why it could not. */
export type PolicyOutcome =
  { ok: true; value: boolean; inputs: Record<string, unknown> } | { ok: false; error: string };

/**
 * Evaluates `expression` over `context` (for gates: `{ phases: { <id>: { output } }, params,
 * gate: { id, phase, kind } }`). Never throws: a non-boolean result or an evaluation error is
 * `ok: false`. `inputs` holds the value of each path the expression read (`phases.review.output.errors`).
 */
export function evaluatePolicy(expression: string, context: Record<string, unknown>): PolicyOutcome {
  void expression;
  void context;
  return { ok: false, error: 'policies are not implemented yet' };
}
