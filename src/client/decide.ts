import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { escapeControlChars } from '../shared/limits';
import { approvalSignal, decideUpdate, type Decision } from '../shared/messages';
import type { RunStatus } from '../shared/status';
import type { DecideOutcome, DecisionLabels } from './api-schemas';
import type { Baton } from './connect';
import { BatonError, batonCommand, DecisionRejectedError, NoWorkerError } from './errors';
import { checkDecision } from './inputs';
import { handleOf, refuseEnded, workflowTaskFailure } from './run-info';
import { signDecision, signingKeyFromEnv, type SigningKey } from './sign';
import { queryStatus } from './status-query';

export type { DecideOutcome };

export interface DecideOptions {
  via?: 'update' | 'signal';
  confirm?: boolean;
  timeoutMs?: number;
  /** How the decision's fields are named in messages (the CLI names its flags). */
  labels?: DecisionLabels;
  /**
   * The key to sign with (a console signs for the user it authenticated); default: the one
   * `BATON_DECISION_KEY` holds, if any; null sends the decision unsigned.
   */
  signingKey?: SigningKey | null;
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
 *
 * Before sending, the decision is bound to the phase's open gate as `status` shows it: `gate` and
 * `digest` are filled in (a given digest the gate no longer shows is refused here), and with a key
 * it is signed (docs/signing.md), so it can only move the gate its sender saw.
 */
export async function decide(
  baton: Baton,
  id: string,
  decision: Decision,
  options: DecideOptions = {},
): Promise<DecideOutcome> {
  checkDecision(decision, options.labels);
  const signingKey =
    options.signingKey === undefined ? signingKeyFromEnv(process.env) : (options.signingKey ?? undefined);
  const shown = escapeControlChars(id);
  // The status query goes out with the describe (one round trip less before the decision is sent);
  // the checks below still decide first, so their errors win over the query's.
  const status = settled(statusBeforeSending(baton, id, decision, options, signingKey));
  const description = await refuseEnded(baton, id, 'no gate to decide');
  const failing = await workflowTaskFailure(baton, id, description);
  if (failing) {
    throw new BatonError(
      `Run "${shown}" cannot take decisions: its workflow task is failing (attempt ${failing.attempt}): ${failing.message}\n` +
        `  See \`${batonCommand(`status ${shown}`)}\` for how to end it.`,
    );
  }
  const before = await status();
  const bound = before ? bindToGate(decision, before, id, signingKey) : decision;
  try {
    return await send(baton, id, bound, before, options);
  } catch (error) {
    // The run ended between the check and the send.
    if (error instanceof WorkflowNotFoundError) await refuseEnded(baton, id, 'no gate to decide');
    throw error;
  }
}

/** Starts `promise` now and reads it later: a rejection is held until then, never unhandled. */
function settled<T>(promise: Promise<T>): () => Promise<T> {
  promise.catch(() => {});
  return () => promise;
}

/**
 * The run's status before the decision goes out. An update waits for a worker to take it, and a
 * signal is confirmed from status, so a missing worker is said at once. Only a signal sent without
 * confirmation, with nothing to sign or check, goes out without one.
 */
async function statusBeforeSending(
  baton: Baton,
  id: string,
  decision: Decision,
  options: DecideOptions,
  signingKey: SigningKey | undefined,
): Promise<RunStatus | undefined> {
  try {
    return await queryStatus(baton, id).catch((error: unknown) => {
      // A worker SIGKILLed a moment ago still holds the run in its sticky queue, and the server
      // sends the query there until that queue has gone 10 s without a poll; by the time this one
      // has timed out it goes to a live worker, so a decision after a crash still gets through.
      if (error instanceof NoWorkerError && error.workerPolls) return queryStatus(baton, id);
      throw error;
    });
  } catch (error) {
    const blind = options.via !== 'update' && options.confirm === false;
    if (blind && !signingKey && decision.digest === undefined && error instanceof NoWorkerError)
      return undefined;
    throw error;
  }
}

/**
 * The decision with the gate it is for (`gate`, `digest`) and, with a key, its signature. A digest
 * the caller saw that the gate no longer shows is refused: the phase ran again since.
 */
function bindToGate(
  decision: Decision,
  status: RunStatus,
  id: string,
  signingKey: SigningKey | undefined,
): Decision {
  const shown = escapeControlChars(id);
  const gate = status.gates.find((g) =>
    decision.gate === undefined ? g.phase === decision.phase : g.id === decision.gate,
  );
  if (!gate) {
    // Unsigned, the run says why it cannot take it (the phase is running, done, unknown…).
    if (!signingKey) return decision;
    const open = status.gates.map((g) => g.id).join(', ') || 'none';
    throw new DecisionRejectedError(
      `Run "${shown}" has no open gate ${decision.gate ? `"${escapeControlChars(decision.gate)}"` : `for phase "${escapeControlChars(decision.phase)}"`} to sign a decision for (open gates: ${open}); see \`${batonCommand(`status ${shown}`)}\`.`,
    );
  }
  if (decision.digest !== undefined && gate.digest !== undefined && decision.digest !== gate.digest)
    throw new DecisionRejectedError(
      // The run's own wording after the local one, so a tool reads the same reason either way.
      `Decision refused: the gate's digest changed since you saw it (stale digest: the decision was made on what had digest ${decision.digest.slice(0, 12)}…, but gate ${gate.id} now shows ${gate.digest.slice(0, 12)}…); the phase ran again: read it with \`${batonCommand(`status ${shown}`)}\` and decide again.`,
    );
  const bound: Decision = {
    ...decision,
    gate: gate.id,
    ...(gate.digest !== undefined ? { digest: gate.digest } : {}),
  };
  // A gate from before governance has no digest to sign; a run that requires signatures says so.
  if (!signingKey || gate.digest === undefined || decision.sig !== undefined) return bound;
  return signDecision(bound, { workflowId: id, gate: gate.id, digest: gate.digest }, signingKey);
}

async function send(
  baton: Baton,
  id: string,
  decision: Decision,
  before: RunStatus | undefined,
  options: DecideOptions,
): Promise<DecideOutcome> {
  const handle = handleOf(baton, id);
  const shown = escapeControlChars(id);
  if (options.via === 'update') {
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
  if (options.confirm === false || !before) {
    await handle.signal(approvalSignal, decision);
    return { accepted: 'sent', phase: decision.phase, action: decision.action };
  }
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
    JSON.stringify(x?.changes ?? null) === JSON.stringify(b.changes ?? null) &&
    // Signed twice, two equal decisions still differ by signature (when the record keeps it).
    (x?.sig === undefined || b.sig === undefined || x.sig === b.sig)
  );
}
