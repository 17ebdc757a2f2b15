/**
 * Conditions and fallbacks (docs/conditions.md): the scheduler for definitions with `when` or
 * `onFailure`, and what happens after a phase with `onFailure` fails. Runs whose definitions have
 * neither take the old scheduler, with exactly the old commands.
 */
import { mergeChanges } from '../shared/binding';
import { gateOf, type Definition, type Phase } from '../shared/definition';
import { BATON_FAILURES } from '../shared/failure-types';
import type { GateShows } from '../shared/gate-kinds';
import { formatBytes, jsonBytes, LIMITS } from '../shared/limits';
import type { DecisionRecord } from '../shared/status';
import { evaluatePolicy } from '../shared/policy';
import { fallbacksOf, FAILURE_GATE } from '../shared/validate-flow';
import { awaitDecision } from './gate';
import type { RunStateObject } from './run-state';
import type { LoopPlan } from './kinds/loop-plan';

/** What the scheduler reads of the phase scope (phase.ts's `PhaseScope`, which imports this module). */
export interface FlowScope {
  run: RunStateObject;
  scopes: ReadonlyMap<string, { cancel(): void }>;
}

/** The patch taken at the start of runs whose definitions use `when` or `onFailure`. */
export const FLOW_CONDITIONS = 'flow-conditions';

/** True when the definition has a condition or a fallback: only then does the run take the patch. */
export const usesFlow = (definition: Definition): boolean =>
  definition.phases.some((p) => p.when !== undefined || p.onFailure !== undefined);

/** What a `when` reads: the run's params, and each phase's output and state. */
export function whenContext(run: RunStateObject): Record<string, unknown> {
  return {
    params: run.params,
    phases: Object.fromEntries(
      run.definition.phases.map((p) => {
        const row = run.phase(p.id);
        return [p.id, { output: row.output, state: row.state }];
      }),
    ),
  };
}

function skip(run: RunStateObject, phase: Phase, reason: string): void {
  const row = run.phase(phase.id);
  row.state = 'skipped';
  row.skipReason = reason;
  run.publish();
}

/** The values a condition read, in short, for the skip reason: `params.deploy=false`. */
function readValues(inputs: Record<string, unknown>): string {
  const text = Object.entries(inputs)
    .map(([path, value]) => `${path}=${JSON.stringify(value)}`)
    .join(', ');
  return text && text.length <= 200 ? ` (${text})` : '';
}

/**
 * Checks the phase's `when` now that its needs are over: true when it runs. A false condition skips
 * it with the reason; one that cannot be evaluated fails the phase and the run: a broken condition
 * is a mistake in the definition, which no fallback should hide.
 */
function conditionHolds({ run, scopes }: FlowScope, phase: Phase): boolean {
  if (phase.when === undefined) return true;
  const outcome = evaluatePolicy(phase.when, whenContext(run));
  if (outcome.ok && outcome.value) return true;
  if (outcome.ok) {
    skip(run, phase, `when "${phase.when}" was false${readValues(outcome.inputs)}`);
    return false;
  }
  const row = run.phase(phase.id);
  row.state = 'failed';
  row.error = {
    type: BATON_FAILURES.ConditionFailed,
    message: `when "${phase.when}" could not be evaluated: ${outcome.error}`,
  };
  run.stop('failed', `Phase "${phase.id}" failed: its ${row.error.message}`);
  for (const other of scopes.values()) other.cancel();
  run.publish();
  return false;
}

/**
 * The scheduler of definitions with conditions and fallbacks. As the plain one, every phase starts
 * once its needs are over; besides:
 * - a phase with `when` runs only when the condition holds, else it is skipped with the reason;
 * - a fallback (a phase some phase's `onFailure` names) waits for the phase it covers and runs only
 *   when that one failed; otherwise it is skipped (`fallback not needed: <id> succeeded`);
 * - a phase that needs a covered phase waits for the fallback too when it ran, and binds the
 *   fallback's output as the covered phase's (`${phases.<covered>.output…}`).
 */
export function scheduleFlow<S extends FlowScope>(
  scope: S,
  phases: Phase[],
  runPhase: (scope: S, phase: Phase) => Promise<void>,
  loops?: LoopPlan,
): Promise<unknown> {
  const { run } = scope;
  const byId = new Map(phases.map((p) => [p.id, p]));
  const covers = fallbacksOf(phases);
  const finished = new Map<string, Promise<void>>();

  /** Over: the phase ended, and when it failed and was handled, its fallback (and its fallback's) too. */
  const over = async (id: string): Promise<void> => {
    await start(byId.get(id) as Phase);
    const row = run.phase(id);
    if (row.state !== 'failed-handled' || row.handledBy === undefined) return;
    await over(row.handledBy);
    // Dependents read the fallback's output as this phase's.
    row.output = run.phase(row.handledBy).output;
  };
  const start = (phase: Phase): Promise<void> => {
    let promise = finished.get(phase.id);
    // A loop's body phase is over when its loop is: the loop runs it, as child pipelines.
    const owner = loops?.owner(phase.id);
    if (!promise && owner !== undefined) {
      promise = start(byId.get(owner) as Phase);
      finished.set(phase.id, promise);
    }
    if (!promise) {
      promise = (async () => {
        await Promise.all((loops ? loops.needs(phase) : phase.needs).map(over));
        const covered = covers.get(phase.id);
        if (covered !== undefined) await start(byId.get(covered) as Phase);
        if (run.stopped) return;
        if (covered !== undefined && run.phase(covered).state !== 'failed-handled') {
          const was = run.phase(covered).state === 'skipped' ? 'was skipped' : 'succeeded';
          return skip(run, phase, `fallback not needed: ${covered} ${was}`);
        }
        if (!conditionHolds(scope, phase)) return;
        await runPhase(scope, phase);
      })();
      finished.set(phase.id, promise);
    }
    return promise;
  };
  return Promise.all(phases.map((p) => over(p.id)));
}

/** After a failure-gate decision: run the phase again with this input, or end the run as rejected. */
export type FailureRoute = { action: 'retry'; input: Record<string, unknown> } | { action: 'reject'; decision: DecisionRecord };

/** What `afterFailure` needs of the phase loop. */
export interface FailedPhase {
  run: RunStateObject;
  phase: Phase;
  /** The input the failed run had. */
  input: Record<string, unknown>;
  stopRun(final: 'failed', why: string): void;
}

/**
 * A phase with `onFailure` failed after its retries (the run goes on). With a fallback phase it is
 * `failed-handled` and the scheduler runs the fallback; with `gate` a failure gate decides. Returns
 * what the phase loop does next, or undefined when the phase is over (its state says how).
 */
export async function afterFailure({ run, phase, input, stopRun }: FailedPhase): Promise<FailureRoute | undefined> {
  const row = run.phase(phase.id);
  const error = row.error ?? { message: 'the phase failed' };
  const reason = `Phase "${phase.id}" failed after ${row.attempts} attempt(s): ${error.message}`;
  if (phase.onFailure !== FAILURE_GATE) {
    row.state = 'failed-handled';
    row.handledBy = phase.onFailure;
    run.publish();
    return undefined;
  }
  // The phase's approvers decide its failure gate too; its approval timeout is for approving, not here.
  const approvers = gateOf(phase)?.approvers;
  const shows: GateShows<'failure'> = { reason, error, input };
  for (;;) {
    const decision = await awaitDecision(
      run,
      phase,
      'failure',
      { onTimeout: 'reject', ...(approvers ? { approvers } : {}) },
      shows,
    );
    if (!decision) {
      row.state = 'cancelled';
      return undefined;
    }
    switch (decision.action) {
      case 'retry':
        return { action: 'retry', input };
      case 'modify': {
        const merged = mergeChanges(input, decision.changes ?? {});
        const bytes = jsonBytes(merged);
        if (bytes <= LIMITS.phaseInputBytes) return { action: 'retry', input: merged };
        shows.error = {
          type: BATON_FAILURES.InputTooLarge,
          message: `with these changes the input of "${phase.id}" would be ${formatBytes(bytes)} as JSON; at most ${formatBytes(LIMITS.phaseInputBytes)}. The input is unchanged`,
        };
        continue;
      }
      case 'skip':
        skip(run, phase, `skipped at its failure gate by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`);
        return undefined;
      case 'reject':
        return { action: 'reject', decision };
      case 'approve':
        // The gate's kind refuses approve before it gets here; nothing to approve on a failure.
        stopRun('failed', reason);
        return undefined;
    }
  }
}
