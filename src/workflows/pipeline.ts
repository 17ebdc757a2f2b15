import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setHandler,
} from '@temporalio/workflow';
import type { Phase, PipelineInput } from '../shared/definition';
import {
  approvalSignal,
  decideUpdate,
  messageAckSignal,
  messageSignal,
  statusQuery,
} from '../shared/messages';
import type { RunSummary } from '../shared/status';
import { describeFailure, internal, invalid } from './failures';
import type { OutTarget } from '../shared/repo-target';
import { runPhase, type PhaseScope } from './phase';
import { checkAgentsKnown, prepare } from './prepare';
import { createRunState, type RunStateObject } from './run-state';
import { FLOW_CONDITIONS, scheduleFlow, usesFlow } from './conditions';
import { openWorkspace, WORKTREE_PER_PHASE, type RunWorkspace } from './workspace';

/** Runs with `--out` export their tree when they complete (no run before this had `out`). */
const EXPORT_OUT = 'export-out';
import { createLocks } from './locks';
import { AUDIT_BATCHED, createGovernance, GOVERNANCE, loadSettings, unknownRoles } from './governance';
import { createNotifier, END_GRACE_MS, NOTIFICATIONS } from './notifications';
import { BATON_FAILURES } from '../shared/failure-types';
import { createMailbox, MESSAGING } from './mailbox';
import { loopPlan } from './kinds/loop-plan';

/** Child pipelines and loops (issue 12): body phases of a loop are run by the loop, not scheduled. */
const CHILD_PIPELINES = 'child-pipelines';

/**
 * The `pipeline` workflow: runs any valid definition as a DAG of phases with human gates.
 * One object argument (`PipelineInput`); returns the run summary.
 */
export async function pipeline(raw: PipelineInput): Promise<RunSummary> {
  const { definition, params, approvalMode, template, repo, out } = prepare(raw);
  // Decided once, at the start: a run keeps the workspace layout it started with.
  const perPhase = patched(WORKTREE_PER_PHASE);
  // Before any await, as the patch above: a patch marker after a local activity's result in the same
  // workflow task is not known to a replay in time (the replay would take the old path).
  const governed = patched(GOVERNANCE);
  const notified = patched(NOTIFICATIONS);
  // Only definitions with `when` or `onFailure` take it: every other run keeps its commands.
  const flow = usesFlow(definition) && patched(FLOW_CONDITIONS);
  const messaging = patched(MESSAGING);
  const children = patched(CHILD_PIPELINES);
  const auditBatched = governed && patched(AUDIT_BATCHED);
  const run = createRunState(definition, params, approvalMode, template);

  // Handlers are registered before the first await, so status answers from the first moment.
  setHandler(statusQuery, () => run.status());
  setHandler(approvalSignal, (payload) => run.signal(payload));
  setHandler(decideUpdate, (decision) => run.decide(decision), { validator: (d) => run.validate(d) });
  // Messaging between runs: the handlers add no command; acks and emits only under the patch.
  const mailbox = createMailbox({ messaging, now: run.now, publish: run.publish });
  run.setMailbox(mailbox);
  setHandler(messageSignal, (message) => mailbox.receive(message));
  setHandler(messageAckSignal, (ack) => mailbox.ack(ack));
  // Parallel tasks' resource locks: registers the grant handler only (no command).
  const locks = createLocks();

  run.setAgentSchemas(await checkAgentsKnown(definition));
  if (governed) {
    const settings = await loadSettings();
    const problems = unknownRoles(definition, settings);
    if (problems.length > 0) throw invalid(definition.name, problems);
    const governance = createGovernance(settings, auditBatched);
    run.setGovernance(governance);
    if (notified) {
      run.notifier = createNotifier(settings, run.templateName, run.now, (failure) =>
        run.notificationFailed(failure),
      );
    }
    governance.record({
      type: 'governance',
      at: run.now(),
      rolesDigest: settings.rolesDigest,
      signedDecisions: settings.signedDecisions,
    });
    // Background loops: a cancelled run ends them with a rejection that must not fail its task.
    const quietly = (loop: Promise<void>) => loop.catch(() => undefined);
    void quietly(governance.start());
    void quietly(run.verifySignals());
  }
  run.start();
  const workspace = await openWorkspace(run, perPhase, repo);
  const opened = run.status().result;
  if (out && opened) run.setResult({ ...opened, out: { dir: out.dir } });
  const scope: PhaseScope = { run, scopes: new Map(), workspace, locks, ...(flow ? { flow } : {}) };

  try {
    await (flow
      ? scheduleFlow(scope, definition.phases, runPhase, loopPlan(definition.phases, children))
      : schedule(scope, definition.phases, children));
    await workspace.settle();
    if (out && !run.stopped) await exportResult(run, workspace, out);
  } catch (error) {
    if (!isCancellation(error)) throw internal(error, 'The run stopped on an unexpected error');
    // Temporal cancelled the run: record it, clear the open gates from search attributes, then end
    // as cancelled. This bookkeeping must not itself be cancelled.
    await CancellationScope.nonCancellable(async () => {
      run.stop('cancelled', 'Cancelled (Temporal cancellation of the run)');
      for (const running of scope.scopes.values()) running.cancel();
      run.finish();
      const governance = run.governance;
      if (governance?.batched) await condition(() => governance.drained());
      await endNotified(run);
    });
    throw error;
  }
  run.finish();
  // A decision being handled as the run ends gets its answer before the run completes.
  await condition(allHandlersFinished);
  // Every audit record is in history before the run closes.
  const governance = run.governance;
  if (governance) await condition(() => governance.drained());
  await endNotified(run);

  const summary = summaryOf(run);
  if (summary.state === 'failed') {
    throw ApplicationFailure.create({
      message: summary.reason ?? 'The run failed',
      type: BATON_FAILURES.PhaseFailed,
      nonRetryable: true,
      details: [summary],
    });
  }
  return summary;
}

/**
 * Sends the run's end to the sinks, and waits until every delivery has settled (an activity cannot
 * outlive its run), at most END_GRACE_MS: what is still retrying then is recorded as failed. Runs
 * without notifications resolve at once, with no command (the cancelled path awaited one tick).
 */
async function endNotified(run: RunStateObject): Promise<void> {
  const notifier = run.notifier;
  if (!notifier) return Promise.resolve();
  notifier.runEnded(run.status());
  if (notifier.settled()) return;
  if (!(await condition(() => notifier.settled(), END_GRACE_MS))) notifier.abandon();
}

/**
 * Runs every phase once its needs are over: independent phases at the same time. A phase whose
 * needs stopped the run does not start.
 */
function schedule(scope: PhaseScope, phases: Phase[], children = false): Promise<unknown> {
  const finished = new Map<string, Promise<void>>();
  const byId = new Map(phases.map((p) => [p.id, p]));
  const loops = loopPlan(phases, children);
  const start = (phase: Phase): Promise<void> => {
    let promise = finished.get(phase.id);
    const owner = loops.owner(phase.id);
    // A loop's body phase is over when its loop is: the loop runs it, as child pipelines.
    if (!promise && owner !== undefined) {
      promise = start(byId.get(owner) as Phase);
      finished.set(phase.id, promise);
    }
    if (!promise) {
      promise = (async () => {
        await Promise.all(loops.needs(phase).map((need) => start(byId.get(need) as Phase)));
        if (scope.run.stopped) return;
        await runPhase(scope, phase);
      })();
      finished.set(phase.id, promise);
    }
    return promise;
  };
  return Promise.all(phases.map(start));
}

/** `--out`: the final tree goes into the directory; a failed export fails the run, naming where the work is. */
async function exportResult(run: RunStateObject, workspace: RunWorkspace, out: OutTarget): Promise<void> {
  const result = run.status().result;
  if (!result || !patched(EXPORT_OUT)) return;
  try {
    const { dir, files } = await workspace.exportTo(out);
    run.setResult({ ...result, out: { dir, files } });
  } catch (error) {
    if (isCancellation(error)) throw error;
    run.setResult({ ...result, out: { dir: out.dir } });
    run.stop('failed', `Exporting the result to ${out.dir} failed: ${describeFailure(error).message}`);
  }
}

/** The run's final status, with each output once, under `outputs`, so the result stays small. */
function summaryOf(run: RunStateObject): RunSummary {
  const status = run.status();
  return {
    ...status,
    phases: status.phases.map(({ output: _output, ...phase }) => phase),
    outputs: Object.fromEntries(
      run.definition.phases
        .filter((p) => run.phase(p.id).state === 'done')
        .map((p) => [p.id, run.phase(p.id).output]),
    ),
  };
}
