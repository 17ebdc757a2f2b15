import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import { bindInput, mergeChanges } from '../shared/binding';
import { gateOf, type Phase } from '../shared/definition';
import type { GateShows } from '../shared/gate-kinds';
import { formatBytes, jsonBytes, LIMITS } from '../shared/limits';
import type { Decision, DecisionAction } from '../shared/messages';
import type { ArtifactRef, PhaseState } from '../shared/status';
import { withinBudget } from './budget-gate';
import { attemptsOf, describeFailure } from './failures';
import { awaitDecision } from './gate';
import { afterFailure } from './conditions';
import { kindOf, PHASE_EXECUTORS, type PhaseRunContext, type RunLocks } from './kinds';
import { phaseRunEnded } from './metrics';
import type { RunStateObject } from './run-state';
import type { RunWorkspace } from './workspace';
import { BATON_FAILURES } from '../shared/failure-types';

/**
 * A gate whose phase, re-run after a `modify`, failed with `Agent.BadInput` reopens with the error
 * instead of failing the run; so does a modify that would make the input too large to send.
 */
const GATE_REOPENS_ON_BAD_INPUT = 'gate-reopens-on-bad-input';

/** What every phase shares: the run state, the running phases' scopes, the workspace. */
export interface PhaseScope {
  run: RunStateObject;
  scopes: Map<string, CancellationScope>;
  workspace: RunWorkspace;
  /** Cross-run resource locks (parallel tasks declare them). */
  locks?: RunLocks;
  /** Runs with `patched(FLOW_CONDITIONS)`: a phase with `onFailure` does not fail the run (conditions.ts). */
  flow?: boolean;
}

function mergeArtifacts(kept: ArtifactRef[] = [], added: ArtifactRef[] = []): ArtifactRef[] {
  const byName = new Map(kept.map((a) => [a.name, a]));
  for (const artifact of added) byName.set(artifact.name, artifact);
  return [...byName.values()];
}

/**
 * Runs one phase of any kind: the budget loop, its executor, then its gate, again for as long as
 * the gate asks for it; then merges its work into the run's main branch.
 */
export function runPhase(scope: PhaseScope, phase: Phase): Promise<void> {
  const done = phaseLoop(scope, phase);
  // Runs from before worktrees take exactly the old steps: no extra await may reorder their commands.
  return scope.workspace.perPhase ? done.finally(() => scope.workspace.release(phase)) : done;
}

async function phaseLoop({ run, scopes, workspace, locks, flow }: PhaseScope, phase: Phase): Promise<void> {
  const status = run.phase(phase.id);
  const execute = PHASE_EXECUTORS[kindOf(phase)];
  let input = bindInput(phase.input, {
    params: run.params,
    phases: Object.fromEntries(run.definition.phases.map((p) => [p.id, { output: run.phase(p.id).output }])),
  });

  const stopRun = (final: 'rejected' | 'failed', why: string) => {
    run.stop(final, why);
    for (const other of scopes.values()) other.cancel();
  };
  const reject = (decision: Decision, where = phase.id) => {
    status.state = 'rejected';
    stopRun(
      'rejected',
      `Rejected at "${where}" by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`,
    );
  };
  /** What a kind with gates of its own (parallel) needs of the run. */
  const context: PhaseRunContext = { run, workspace, locks, reject };
  const settle = (state: 'done' | 'skipped') => {
    status.state = state;
    if (state === 'done') status.error = undefined;
    run.publish();
  };
  /** Ends the phase as `done` or `skipped`, with its work merged into main (when it ran). */
  const end = (state: 'done' | 'skipped'): Promise<void> | void => {
    if (!workspace.perPhase || status.runs === 0) return settle(state);
    return workspace.merge(phase).then(
      () => settle(state),
      (error: unknown) => {
        if (isCancellation(error) && !run.stopped) throw error;
        status.state = 'failed';
        status.error = describeFailure(error);
        stopRun(
          'failed',
          `Phase "${phase.id}" could not be merged into the run's main branch: ${status.error.message}`,
        );
      },
    );
  };

  /** The gate's last decision, and the input before the last modify (restored if it was bad). */
  let lastAction: DecisionAction | undefined;
  let beforeModify: Record<string, unknown> | undefined;
  /** Set when the gate must reopen, with this error, instead of the phase running again. */
  let reopenWith: GateShows<'approval'>['error'];
  const gate = gateOf(phase);
  /** True when a person's mistake at the gate should reopen it rather than fail the run. */
  const reopens = (error: { type?: string }): boolean =>
    gate !== undefined &&
    lastAction === 'modify' &&
    beforeModify !== undefined &&
    error.type === 'Agent.BadInput' &&
    patched(GATE_REOPENS_ON_BAD_INPUT);

  /** A failure goes to the phase's `onFailure` instead of failing the run. */
  const routed = () => flow === true && phase.onFailure !== undefined && status.state === 'failed';

  for (;;) {
    // A decision taken in the same task as a reject elsewhere must not start the phase again.
    if (run.stopped) {
      if (status.state !== 'skipped' && status.state !== 'done') status.state = 'cancelled';
      return;
    }
    if (reopenWith === undefined && !(await runOnce())) {
      // `onFailure`: a fallback takes over, or a failure gate decides what happens next.
      const next = routed() ? await afterFailure({ run, phase, input, stopRun }) : undefined;
      if (next?.action === 'retry') input = next.input;
      if (next?.action === 'retry') continue;
      if (next?.action === 'reject') reject(next.decision);
      return;
    }
    if (!gate) return end('done');
    if (run.stopped) {
      status.state = 'cancelled';
      return;
    }
    const shows = { output: status.output, ...(reopenWith ? { error: reopenWith } : {}) };
    const decision = await awaitDecision(run, phase, 'approval', gate, shows);
    reopenWith = undefined;
    if (!decision) {
      status.state = 'cancelled';
      return;
    }
    lastAction = decision.action;
    switch (decision.action) {
      case 'approve':
        return end('done');
      case 'skip':
        return end('skipped');
      case 'reject':
        return reject(decision);
      case 'modify': {
        const merged = mergeChanges(input, decision.changes ?? {});
        const bytes = jsonBytes(merged);
        if (bytes > LIMITS.phaseInputBytes && patched(GATE_REOPENS_ON_BAD_INPUT)) {
          reopenWith = {
            type: BATON_FAILURES.InputTooLarge,
            message: `with these changes the input of "${phase.id}" would be ${formatBytes(bytes)} as JSON; at most ${formatBytes(LIMITS.phaseInputBytes)}. The input is unchanged`,
          };
          continue;
        }
        beforeModify = input;
        input = merged;
        continue;
      }
      case 'retry':
        continue;
    }
  }

  /** Runs the phase once. False when the phase is over (failed, cancelled or skipped at a budget gate). */
  async function runOnce(): Promise<boolean> {
    if (!(await withinBudget(run, phase, reject))) return false;
    status.state = 'running';
    status.runs += 1;
    status.startedAt = run.now();
    status.endedAt = undefined;
    status.error = undefined;
    run.publish();
    const cancel = new CancellationScope();
    scopes.set(phase.id, cancel);
    let attemptsThisRun = 1;
    try {
      const request = { phase, input, run: status.runs, context };
      const result = await cancel.run(
        workspace.perPhase
          ? async () => execute({ ...request, worktree: await workspace.worktreeFor(phase) })
          : () => execute(request),
      );
      status.attempts += result.attempts;
      attemptsThisRun = result.attempts;
      status.output = result.output;
      status.commit = result.commit;
      // A re-run that leaves a file unchanged does not list it again: keep every run's, newest by name.
      status.artifacts = mergeArtifacts(status.artifacts, result.artifacts);
      run.ledger.spend(status, result.usage);
      run.noteWithoutLlm(result.withoutLlm);
    } catch (error) {
      if (isCancellation(error) && !run.stopped) throw error;
      const attempts = attemptsOf(error) ?? 1;
      status.attempts += attempts;
      status.endedAt = run.now();
      phaseRunEnded(run.templateName, status, run.stopped ? 'cancelled' : 'failed', attempts);
      if (run.stopped) {
        // A parallel phase's task gate may have rejected the run: the phase says so.
        if ((status.state as PhaseState) !== 'rejected') status.state = 'cancelled';
        return false;
      }
      status.error = describeFailure(error);
      if (reopens(status.error)) {
        // The person's modify was bad: show them why at the gate, with the input as it was.
        reopenWith = status.error;
        input = beforeModify as Record<string, unknown>;
        return true;
      }
      status.state = 'failed';
      if (routed()) return false;
      stopRun(
        'failed',
        `Phase "${phase.id}" failed after ${status.attempts} attempt(s): ${status.error.message}`,
      );
      return false;
    } finally {
      scopes.delete(phase.id);
      run.ledger.release(phase.id);
    }
    status.endedAt = run.now();
    phaseRunEnded(run.templateName, status, 'done', attemptsThisRun);
    return true;
  }
}
