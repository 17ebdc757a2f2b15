import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { escapeControlChars } from '../shared/limits';
import { approvalSignal, decideUpdate, type Decision } from '../shared/messages';
import type { DecideOutcome, DecisionLabels } from './api-schemas';
import type { Baton } from './connect';
import { BatonError, batonCommand, DecisionRejectedError } from './errors';
import { checkDecision } from './inputs';
import { handleOf, refuseEnded, workflowTaskFailure } from './run-info';
import { queryStatus } from './status-query';

export type { DecideOutcome };

export interface DecideOptions {
  via?: 'update' | 'signal';
  confirm?: boolean;
  timeoutMs?: number;
  /** How the decision's fields are named in messages (the CLI names its flags). */
  labels?: DecisionLabels;
}

/**
 * Sends a decision and tells whether the run took it.
 *
 * By default it goes as the `approval` signal, and the client then watches `status` until the run
 * records the decision or ignores it (then this throws with the run's reason). Signals are history
 * events, so they replay in the same order whatever happens to the worker. `via: 'update'` uses the
 * validated `decide` update instead: see the README's note on updates and worker restarts.
 *
 * A decision that would forge the record (control characters, a reserved `baton:*` name) or is over
 * a size limit is refused before anything is sent; so is one for a run that has ended (the error
 * says how and when) or whose workflow task is failing (it could not take it).
 */
export async function decide(
  baton: Baton,
  id: string,
  decision: Decision,
  options: DecideOptions = {},
): Promise<DecideOutcome> {
  checkDecision(decision, options.labels);
  const shown = escapeControlChars(id);
  const description = await refuseEnded(baton, id, 'no gate to decide');
  const failing = await workflowTaskFailure(baton, id, description);
  if (failing) {
    throw new BatonError(
      `Run "${shown}" cannot take decisions: its workflow task is failing (attempt ${failing.attempt}): ${failing.message}\n` +
        `  See \`${batonCommand(`status ${shown}`)}\` for how to end it.`,
    );
  }
  try {
    return await send(baton, id, decision, options);
  } catch (error) {
    // The run ended between the check and the send.
    if (error instanceof WorkflowNotFoundError) await refuseEnded(baton, id, 'no gate to decide');
    throw error;
  }
}

async function send(
  baton: Baton,
  id: string,
  decision: Decision,
  options: DecideOptions,
): Promise<DecideOutcome> {
  const handle = handleOf(baton, id);
  const shown = escapeControlChars(id);
  if (options.via === 'update') {
    // An update waits for a worker to take it; ask first, so a missing worker is said at once.
    await queryStatus(baton, id);
    try {
      return await handle.executeUpdate(decideUpdate, { args: [decision] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        const reason =
          error.cause instanceof ApplicationFailure
            ? error.cause.message
            : (error.cause?.message ?? error.message);
        throw new DecisionRejectedError(`Decision refused by run "${shown}": ${escapeControlChars(reason)}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
  if (options.confirm === false) {
    await handle.signal(approvalSignal, decision);
    return { accepted: 'sent', phase: decision.phase, action: decision.action };
  }
  const before = await queryStatus(baton, id);
  await handle.signal(approvalSignal, decision);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await queryStatus(baton, id);
    const ignored = added(before.ignoredSignals, status.ignoredSignals).find((s) =>
      sameDecision(s.payload, decision),
    );
    if (ignored)
      throw new DecisionRejectedError(
        `Decision refused by run "${shown}": ${escapeControlChars(ignored.reason)}`,
      );
    const newDecisions = added(before.decisions, status.decisions);
    const taken =
      newDecisions.some((d) => sameDecision(d, decision)) ||
      // A gate that was open and has closed since took some decision, possibly this one.
      (before.gates.some((g) => g.phase === decision.phase) &&
        !status.gates.some((g) => g.phase === decision.phase) &&
        newDecisions.length > 0);
    if (taken) return { accepted: true, phase: decision.phase, action: decision.action };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new BatonError(
    `Decision sent to run "${shown}" but not taken within ${Math.round(timeoutMs / 1000)}s; is a worker running? Check with \`${batonCommand(`status ${shown}`)}\`.`,
  );
}

/**
 * Entries of `after` that `before` did not hold. Both lists are bounded by the run (the oldest are
 * dropped), so their lengths cannot tell what is new; their contents can.
 */
function added<T>(before: readonly T[], after: readonly T[]): T[] {
  const seen = new Set(before.map((item) => JSON.stringify(item)));
  return after.filter((item) => !seen.has(JSON.stringify(item)));
}

function sameDecision(a: unknown, b: Decision): boolean {
  const x = a as Partial<Decision> | undefined;
  return (
    x?.phase === b.phase &&
    x?.action === b.action &&
    x?.by === b.by &&
    x?.comment === b.comment &&
    // Two modifies of one gate by one person at once differ only here: each must find its own answer.
    JSON.stringify(x?.changes ?? null) === JSON.stringify(b.changes ?? null)
  );
}
