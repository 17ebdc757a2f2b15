import { runIdProblem } from '../shared/ids';
import {
  escapeControlChars,
  formatBytes,
  hasControlChars,
  jsonBytes,
  LIMITS,
  nestsDeeperThan,
  RESERVED_DECIDER,
} from '../shared/limits';
import { DecisionSchema, fieldMessage, type Decision } from '../shared/messages';
import type { DecisionLabels } from './api-schemas';
import { BatonError, DecisionRejectedError } from './errors';

/** `start --id`: the whole rule set, so a run id can never name a path. */
export function checkNewRunId(id: string | undefined, flag = '--id'): void {
  if (id === undefined) return;
  const problem = runIdProblem(id);
  if (problem) throw new BatonError(`${flag}: ${escapeControlChars(problem)}`);
}

/**
 * The id of an existing run: only what no run can have (empty, too long), since a run started by
 * another client may hold characters Baton would not choose, and must still be reachable.
 */
export function checkRunIdArg(id: string): void {
  if (id.trim() === '' || id.length > LIMITS.runIdChars) {
    const problem = runIdProblem(id) ?? 'not a run id';
    throw new BatonError(`run id: ${problem.replace('; omit --id for a generated one', '')}`);
  }
}

const FIELDS: DecisionLabels = { by: 'by', comment: 'comment', changes: 'changes' };

/**
 * Refuses what would forge or bloat the record: control characters (a newline or an escape code
 * could fake a decision line or clear the reader's terminal), reserved `baton:*` names, and sizes
 * over the limits. `labels` names the fields as the caller knows them (flags, for the CLI).
 */
export function checkDecision(decision: Decision, labels: DecisionLabels = FIELDS): void {
  const problems: string[] = [];
  const { by, comment, changes } = decision;
  // Callers of the API may send anything: the field types first, by the run's own schema.
  const typed = DecisionSchema.safeParse(decision);
  if (typeof by !== 'string' || (comment !== undefined && typeof comment !== 'string')) {
    const issues = typed.success ? [] : typed.error.issues.map(fieldMessage);
    throw new DecisionRejectedError(`The decision is refused: ${issues.join('; ')}`);
  }
  if (by.trim() === '') problems.push(`${labels.by} is empty; say who decides`);
  if (hasControlChars(by))
    problems.push(
      `${labels.by} ${JSON.stringify(escapeControlChars(by))} holds control characters; use a plain name`,
    );
  if (RESERVED_DECIDER.test(by))
    problems.push(
      `${labels.by} "${escapeControlChars(by)}" is reserved for decisions the run makes itself; sign with your own name`,
    );
  if (by.length > LIMITS.byChars)
    problems.push(`${labels.by} is ${by.length} characters; the limit is ${LIMITS.byChars}`);
  if (comment !== undefined && hasControlChars(comment))
    problems.push(
      `${labels.comment} holds control characters (newlines, escape codes); write it on one line, as plain text`,
    );
  if (comment !== undefined && comment.length > LIMITS.commentChars)
    problems.push(
      `${labels.comment} is ${comment.length} characters; the limit is ${LIMITS.commentChars}: link to a longer text instead`,
    );
  if (changes !== undefined) {
    if (nestsDeeperThan(changes, LIMITS.nestingDepth))
      problems.push(`${labels.changes} nests deeper than ${LIMITS.nestingDepth} levels`);
    else if (jsonBytes(changes) > LIMITS.changesBytes)
      problems.push(
        `${labels.changes} is ${formatBytes(jsonBytes(changes))} as JSON; the limit is ${formatBytes(LIMITS.changesBytes)}`,
      );
  }
  if (problems.length === 0 && !typed.success) problems.push(...typed.error.issues.map(fieldMessage));
  if (problems.length === 1) throw new DecisionRejectedError(problems[0] as string);
  if (problems.length)
    throw new DecisionRejectedError(
      `The decision is refused:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
}
