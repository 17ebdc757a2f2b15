import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { LIMITS } from '../shared/limits';
import { formatProblems, type Problem } from '../shared/validate';
import { BATON_FAILURES } from '../shared/failure-types';

/** A failure message lists at most this many problems: it goes into history, and must stay small. */
const MAX_PROBLEMS_SHOWN = 50;

/** The run's definition (or input) is invalid: fails the run at once, listing the problems. */
export function invalid(name: string, problems: Problem[]): ApplicationFailure {
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN);
  const more = problems.length - shown.length;
  const title = name.length > LIMITS.nameChars ? `${name.slice(0, LIMITS.nameChars)}…` : name;
  return ApplicationFailure.create({
    message: `Invalid pipeline definition "${title}" (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${formatProblems(shown)}${more > 0 ? `\n  … and ${more} more` : ''}`,
    type: BATON_FAILURES.InvalidDefinition,
    nonRetryable: true,
    details: [{ problems: shown }],
  });
}

/** Anything unexpected in workflow code fails the run, non-retryably, instead of retrying its task. */
export function internal(error: unknown, what: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  return ApplicationFailure.create({
    message: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    type: BATON_FAILURES.Internal,
    nonRetryable: true,
  });
}

/** The attempt an activity failed on, from the details its failure carries (`AgentFailureDetails`). */
export function attemptsOf(error: unknown): number | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (cause instanceof ApplicationFailure) {
    return (cause.details?.[0] as { attempt?: number } | undefined)?.attempt;
  }
  return undefined;
}

/** An activity's failure as `status` shows it: the cause's type and message. */
export function describeFailure(error: unknown): { type?: string; message: string } {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? undefined, message: cause.message };
  return { message: cause instanceof Error ? cause.message : String(cause) };
}
