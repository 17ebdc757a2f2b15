import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, AgentFailureDetails } from '../activities';
import { bindInput, mergeChanges } from '../shared/binding';
import {
  gateOf,
  PipelineInputSchema,
  type Definition,
  type Phase,
  type PipelineInput,
  type Retry,
} from '../shared/definition';
import { durationMs } from '../shared/duration';
import {
  approvalSignal,
  BudgetChangeSchema,
  DecisionSchema,
  decideUpdate,
  statusQuery,
  type Decision,
} from '../shared/messages';
import type { ArtifactRef, RunSummary } from '../shared/status';
import { formatProblems, validateDefinition, type Problem } from '../shared/validate';
import { awaitDecision } from './gate';
import { createRunState, type RunStateObject } from './run-state';

const DEFAULT_RETRY: Retry = { maxAttempts: 3, initialInterval: '1s', backoff: 2, nonRetryable: [] };
const DEFAULT_HEARTBEAT_MS = 30_000;

const { checkAgents } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s' });

function invalid(name: string, problems: Problem[]): ApplicationFailure {
  return ApplicationFailure.create({
    message: `Invalid pipeline definition "${name}" (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${formatProblems(problems)}`,
    type: 'Baton.InvalidDefinition',
    nonRetryable: true,
    details: [{ problems }],
  });
}

/** Checks the input and the definition; a bad one fails the run at once, never a task retry loop. */
function prepare(raw: PipelineInput) {
  const input = PipelineInputSchema.safeParse(raw);
  if (!input.success) {
    const problems = input.error.issues.map((i) => ({
      path: i.path.join('.') || '(input)',
      message: i.message,
    }));
    throw invalid('(input)', problems);
  }
  const { definition: rawDefinition, params, approvalMode, template } = input.data;
  const name = String((rawDefinition as { name?: unknown } | undefined)?.name ?? '(unnamed)');
  const checked = validateDefinition(rawDefinition, params);
  if (!checked.ok) throw invalid(name, checked.problems);

  return { definition: checked.definition, params: checked.params, approvalMode, template };
}

/** The worker's agent registry is the truth about which agents exist; ask it before running. */
async function checkAgentsKnown(definition: Definition): Promise<void> {
  const names = [...new Set(definition.phases.map((p) => p.agent))];
  const agents = await checkAgents({ names });
  if (agents.unknown.length > 0) {
    const problems = definition.phases
      .filter((p) => agents.unknown.includes(p.agent))
      .map((p) => ({
        path: `phases[${p.id}].agent`,
        message: `unknown agent "${p.agent}"; known agents: ${agents.known.join(', ')}`,
      }));
    throw invalid(definition.name, problems);
  }
}

function mergeArtifacts(kept: ArtifactRef[] = [], added: ArtifactRef[] = []): ArtifactRef[] {
  const byName = new Map(kept.map((a) => [a.name, a]));
  for (const artifact of added) byName.set(artifact.name, artifact);
  return [...byName.values()];
}

function attemptsOf(error: unknown): number | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (cause instanceof ApplicationFailure) {
    return (cause.details?.[0] as AgentFailureDetails | undefined)?.attempt;
  }
  return undefined;
}

function describeFailure(error: unknown): { type?: string; message: string } {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? undefined, message: cause.message };
  return { message: cause instanceof Error ? cause.message : String(cause) };
}

/** Runs one phase: the agent, then its gate, again for as long as the gate asks for it. */
async function runPhase(
  run: RunStateObject,
  phase: Phase,
  scopes: Map<string, CancellationScope>,
): Promise<void> {
  const status = run.phase(phase.id);
  const retry = phase.retry ?? DEFAULT_RETRY;
  const timeoutMs = durationMs(phase.timeout);
  const { runAgent } = proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: phase.heartbeatTimeout
      ? durationMs(phase.heartbeatTimeout)
      : Math.min(DEFAULT_HEARTBEAT_MS, timeoutMs),
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: durationMs(retry.initialInterval),
      backoffCoefficient: retry.backoff,
      maximumInterval: retry.maxInterval === undefined ? undefined : durationMs(retry.maxInterval),
      nonRetryableErrorTypes: retry.nonRetryable,
    },
    summary: `${phase.id}: ${phase.agent}`,
  });
  const scopeOutputs = () => ({
    params: run.params,
    phases: Object.fromEntries(run.definition.phases.map((p) => [p.id, { output: run.phase(p.id).output }])),
  });
  let input = bindInput(phase.input, scopeOutputs());
  const { workflowId, runId } = workflowInfo();

  const reject = (decision: Decision) => {
    status.state = 'rejected';
    run.stop(
      'rejected',
      `Rejected at "${phase.id}" by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`,
    );
    for (const other of scopes.values()) other.cancel();
  };

  /** Before spending, a phase that could go over budget waits at a budget gate. */
  const withinBudget = async (): Promise<boolean> => {
    for (;;) {
      const problem = run.budgetProblem(phase);
      // Reserve in the same step as the check: a sibling phase checks right after, in this task.
      if (!problem) {
        run.reserve(phase);
        return true;
      }
      const decision = await awaitDecision(run, phase, {
        kind: 'budget',
        reason: problem,
        onTimeout: 'reject',
        instructions:
          'Raise the budget with modify (changes {"budget":{"tokens":N}} or {"phaseBudget":{"costUsd":N}}), approve to run the phase once anyway, skip it, or reject to stop the run.',
      });
      if (!decision) {
        status.state = 'cancelled';
        return false;
      }
      switch (decision.action) {
        case 'approve':
          run.reserve(phase);
          return true;
        case 'modify': {
          const changes = BudgetChangeSchema.parse(decision.changes ?? {});
          if (changes.budget) run.setBudget(changes.budget);
          if (changes.phaseBudget) run.setBudget(changes.phaseBudget, phase.id);
          continue;
        }
        case 'retry':
          continue;
        case 'skip':
          status.state = 'skipped';
          run.publish();
          return false;
        case 'reject':
          reject(decision);
          return false;
      }
    }
  };

  for (;;) {
    // A decision taken in the same task as a reject elsewhere must not start the agent again.
    if (run.stopped) {
      if (status.state !== 'skipped' && status.state !== 'done') status.state = 'cancelled';
      return;
    }
    if (!(await withinBudget())) return;
    status.state = 'running';
    status.runs += 1;
    status.startedAt = run.now();
    status.endedAt = undefined;
    status.error = undefined;
    run.publish();
    const scope = new CancellationScope();
    scopes.set(phase.id, scope);
    try {
      const result = await scope.run(() =>
        runAgent({ workflowId, runId, phase: phase.id, agent: phase.agent, input, run: status.runs }),
      );
      status.attempts += result.attempt;
      status.output = result.output;
      status.commit = result.commit;
      // A re-run that leaves a file unchanged does not list it again: keep every run's, newest by name.
      status.artifacts = mergeArtifacts(status.artifacts, result.artifacts);
      // Results recorded before usage existed have none.
      run.spend(phase.id, result.usage ?? {});
      if (result.withoutLlm) run.noteWithoutLlm(phase.agent);
    } catch (error) {
      if (isCancellation(error) && !run.stopped) throw error;
      status.attempts += attemptsOf(error) ?? 1;
      status.endedAt = run.now();
      if (run.stopped) {
        status.state = 'cancelled';
        return;
      }
      status.state = 'failed';
      status.error = describeFailure(error);
      run.stop(
        'failed',
        `Phase "${phase.id}" failed after ${status.attempts} attempt(s): ${status.error.message}`,
      );
      for (const other of scopes.values()) other.cancel();
      return;
    } finally {
      scopes.delete(phase.id);
      run.release(phase.id);
    }
    status.endedAt = run.now();

    const gate = gateOf(phase);
    if (!gate) {
      status.state = 'done';
      run.publish();
      return;
    }
    if (run.stopped) {
      status.state = 'cancelled';
      return;
    }
    const decision = await awaitDecision(run, phase, gate);
    if (!decision) {
      status.state = 'cancelled';
      return;
    }
    switch (decision.action) {
      case 'approve':
        status.state = 'done';
        run.publish();
        return;
      case 'skip':
        status.state = 'skipped';
        run.publish();
        return;
      case 'reject':
        reject(decision);
        return;
      case 'modify':
        input = mergeChanges(input, decision.changes ?? {});
        continue;
      case 'retry':
        continue;
    }
  }
}

/**
 * The `pipeline` workflow: runs any valid definition as a DAG of agent phases with human gates.
 * One object argument (`PipelineInput`); returns the run summary.
 */
export async function pipeline(raw: PipelineInput): Promise<RunSummary> {
  const { definition, params, approvalMode, template } = prepare(raw);
  const run = createRunState(definition, params, approvalMode, template);

  setHandler(statusQuery, () => run.status());
  setHandler(approvalSignal, (payload: Decision) => {
    const reason = run.rejectionOf(payload);
    if (reason) run.ignore(payload, reason);
    // Only the decision's own fields are kept, whatever else the sender put in the payload.
    else run.accept(DecisionSchema.parse(payload), 'signal');
  });
  setHandler(
    decideUpdate,
    (decision: Decision) => {
      run.accept(decision, 'update');
      return { accepted: true as const, phase: decision.phase, action: decision.action };
    },
    {
      validator: (decision: Decision) => {
        const reason = run.rejectionOf(decision);
        if (reason) throw new Error(reason);
      },
    },
  );
  // Handlers are registered before the first await, so status answers from the first moment.
  await checkAgentsKnown(definition);
  run.start();

  const scopes = new Map<string, CancellationScope>();
  const finished = new Map<string, Promise<void>>();
  const byId = new Map(definition.phases.map((p) => [p.id, p]));
  const schedule = (phase: Phase): Promise<void> => {
    let promise = finished.get(phase.id);
    if (!promise) {
      promise = (async () => {
        await Promise.all(phase.needs.map((need) => schedule(byId.get(need) as Phase)));
        if (run.stopped) return;
        await runPhase(run, phase, scopes);
      })();
      finished.set(phase.id, promise);
    }
    return promise;
  };
  try {
    await Promise.all(definition.phases.map(schedule));
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Temporal cancelled the run: record it, clear the open gates from search attributes, then end
    // as cancelled. This bookkeeping must not itself be cancelled.
    await CancellationScope.nonCancellable(async () => {
      run.stop('cancelled', 'Cancelled (Temporal cancellation of the run)');
      for (const scope of scopes.values()) scope.cancel();
      run.finish();
      await Promise.resolve();
    });
    throw error;
  }
  run.finish();

  const status = run.status();
  // Each output appears once, under `outputs`, so the result stays as small as the outputs allow.
  const summary: RunSummary = {
    ...status,
    phases: status.phases.map(({ output: _output, ...phase }) => phase),
    outputs: Object.fromEntries(
      definition.phases
        .filter((p) => run.phase(p.id).state === 'done')
        .map((p) => [p.id, run.phase(p.id).output]),
    ),
  };
  if (summary.state === 'failed') {
    throw ApplicationFailure.create({
      message: summary.reason ?? 'The run failed',
      type: 'Baton.PhaseFailed',
      nonRetryable: true,
      details: [summary],
    });
  }
  return summary;
}
