import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
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
import { type AgentInputSchemas, inputProblems, readAgentSchemas } from '../shared/input-schema';
import { formatBytes, jsonBytes, LIMITS } from '../shared/limits';
import {
  approvalSignal,
  BudgetChangeSchema,
  DecisionSchema,
  decideUpdate,
  sanitizeSignalDecision,
  statusQuery,
  type Decision,
  type DecisionAction,
} from '../shared/messages';
import type { ArtifactRef, OpenGate, RunSummary } from '../shared/status';
import { formatProblems, validateDefinition, type Problem } from '../shared/validate';
import { awaitDecision } from './gate';
import { createRunState, type RunStateObject } from './run-state';

const DEFAULT_RETRY: Retry = { maxAttempts: 3, initialInterval: '1s', backoff: 2, nonRetryable: [] };
const DEFAULT_HEARTBEAT_MS = 30_000;

const { checkAgents } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s' });

/**
 * A gate whose phase, re-run after a `modify`, failed with `Agent.BadInput` reopens with the error
 * instead of failing the run; so does a modify that would make the input too large to send.
 */
const GATE_REOPENS_ON_BAD_INPUT = 'gate-reopens-on-bad-input';

/** A failure message lists at most this many problems: it goes into history, and must stay small. */
const MAX_PROBLEMS_SHOWN = 50;

function invalid(name: string, problems: Problem[]): ApplicationFailure {
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN);
  const more = problems.length - shown.length;
  const title = name.length > LIMITS.nameChars ? `${name.slice(0, LIMITS.nameChars)}…` : name;
  return ApplicationFailure.create({
    message: `Invalid pipeline definition "${title}" (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${formatProblems(shown)}${more > 0 ? `\n  … and ${more} more` : ''}`,
    type: 'Baton.InvalidDefinition',
    nonRetryable: true,
    details: [{ problems: shown }],
  });
}

/** Anything unexpected in workflow code fails the run, non-retryably, instead of retrying its task. */
function internal(error: unknown, what: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  return ApplicationFailure.create({
    message: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    type: 'Baton.Internal',
    nonRetryable: true,
  });
}

/** Checks the input and the definition; a bad one fails the run at once, never a task retry loop. */
function prepare(raw: PipelineInput) {
  try {
    return checkInput(raw);
  } catch (error) {
    throw internal(error, 'Invalid pipeline input');
  }
}

function checkInput(raw: PipelineInput) {
  const input = PipelineInputSchema.safeParse(raw);
  if (!input.success) {
    const problems = input.error.issues.map((i) => ({
      path: i.path.join('.') || '(input)',
      message: i.message,
    }));
    throw invalid('(input)', problems);
  }
  const { definition: rawDefinition, params, approvalMode, template } = input.data;
  const rawName = (rawDefinition as { name?: unknown } | undefined)?.name;
  const name = typeof rawName === 'string' ? rawName : '(unnamed)';
  const checked = validateDefinition(rawDefinition, params);
  if (!checked.ok) throw invalid(name, checked.problems);

  return { definition: checked.definition, params: checked.params, approvalMode, template };
}

/**
 * The worker's agent registry is the truth about which agents exist and what input they take; ask
 * it before running. Returns the agents' input schemas (none from workers that predate them).
 */
async function checkAgentsKnown(definition: Definition): Promise<AgentInputSchemas> {
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
  const schemas = readAgentSchemas(agents.schemas);
  const problems = definition.phases.flatMap((p) => {
    const schema = schemas[p.agent];
    return (schema ? inputProblems(p.agent, p.input, schema) : []).map(([key, message]) => ({
      path: `phases[${p.id}].input.${key}`,
      message,
    }));
  });
  if (problems.length > 0) throw invalid(definition.name, problems);
  return schemas;
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
  const timeoutMs = durationMs(phase.timeout, LIMITS.attemptTimeoutMs);
  const { runAgent } = proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: phase.heartbeatTimeout
      ? durationMs(phase.heartbeatTimeout, LIMITS.attemptTimeoutMs)
      : Math.min(DEFAULT_HEARTBEAT_MS, timeoutMs),
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: durationMs(retry.initialInterval, LIMITS.retryIntervalMs),
      backoffCoefficient: retry.backoff,
      maximumInterval:
        retry.maxInterval === undefined ? undefined : durationMs(retry.maxInterval, LIMITS.retryIntervalMs),
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
          // Checked when the decision was taken; safeParse all the same, as nothing here may throw.
          const changes = BudgetChangeSchema.safeParse(decision.changes ?? {});
          if (changes.success && changes.data.budget) run.setBudget(changes.data.budget);
          if (changes.success && changes.data.phaseBudget) run.setBudget(changes.data.phaseBudget, phase.id);
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

  /** The gate's last decision, and the input before the last modify (restored if it was bad). */
  let lastAction: DecisionAction | undefined;
  let beforeModify: Record<string, unknown> | undefined;
  /** Set when the gate must reopen, with this error, instead of the phase running again. */
  let reopenWith: OpenGate['error'] | undefined;
  const gate = gateOf(phase);
  /** True when a person's mistake at the gate should reopen it rather than fail the run. */
  const reopens = (error: { type?: string }): boolean =>
    gate !== undefined &&
    lastAction === 'modify' &&
    beforeModify !== undefined &&
    error.type === 'Agent.BadInput' &&
    patched(GATE_REOPENS_ON_BAD_INPUT);

  for (;;) {
    // A decision taken in the same task as a reject elsewhere must not start the agent again.
    if (run.stopped) {
      if (status.state !== 'skipped' && status.state !== 'done') status.state = 'cancelled';
      return;
    }
    if (reopenWith === undefined && !(await runOnce())) return;
    if (!gate) {
      status.state = 'done';
      run.publish();
      return;
    }
    if (run.stopped) {
      status.state = 'cancelled';
      return;
    }
    const decision = await awaitDecision(run, phase, { ...gate, error: reopenWith });
    reopenWith = undefined;
    if (!decision) {
      status.state = 'cancelled';
      return;
    }
    lastAction = decision.action;
    switch (decision.action) {
      case 'approve':
        status.state = 'done';
        status.error = undefined;
        run.publish();
        return;
      case 'skip':
        status.state = 'skipped';
        run.publish();
        return;
      case 'reject':
        reject(decision);
        return;
      case 'modify': {
        const merged = mergeChanges(input, decision.changes ?? {});
        const bytes = jsonBytes(merged);
        if (bytes > LIMITS.phaseInputBytes && patched(GATE_REOPENS_ON_BAD_INPUT)) {
          reopenWith = {
            type: 'Baton.InputTooLarge',
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

  /** Runs the agent once. False when the phase is over (failed, cancelled or skipped at a budget gate). */
  async function runOnce(): Promise<boolean> {
    if (!(await withinBudget())) return false;
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
      run.stop(
        'failed',
        `Phase "${phase.id}" failed after ${status.attempts} attempt(s): ${status.error.message}`,
      );
      for (const other of scopes.values()) other.cancel();
      return false;
    } finally {
      scopes.delete(phase.id);
      run.release(phase.id);
    }
    status.endedAt = run.now();
    return true;
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
    // A signal cannot be refused, only ignored with its reason; nothing here may throw.
    try {
      const { payload: cleaned, sanitized } = sanitizeSignalDecision(payload);
      const reason = run.rejectionOf(cleaned);
      const parsed = DecisionSchema.safeParse(cleaned);
      if (reason || !parsed.success) run.ignore(payload, reason ?? 'not a decision');
      // Only the decision's own fields are kept, whatever else the sender put in the payload.
      else run.accept(parsed.data, 'signal', sanitized);
    } catch (error) {
      run.ignore('(unreadable)', `could not read the signal: ${String(error)}`);
    }
  });
  setHandler(
    decideUpdate,
    (decision: Decision) => {
      const parsed = DecisionSchema.safeParse(decision);
      if (!parsed.success) throw ApplicationFailure.nonRetryable('not a decision', 'Baton.BadDecision');
      run.accept(parsed.data, 'update');
      return { accepted: true as const, phase: parsed.data.phase, action: parsed.data.action };
    },
    {
      validator: (decision: Decision) => {
        const reason = run.rejectionOf(decision);
        if (reason) throw new Error(reason);
      },
    },
  );
  // Handlers are registered before the first await, so status answers from the first moment.
  run.setAgentSchemas(await checkAgentsKnown(definition));
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
    if (!isCancellation(error)) throw internal(error, 'The run stopped on an unexpected error');
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
