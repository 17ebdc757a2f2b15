/**
 * Kind `loop` (autonomous mode): the body phases run as one child pipeline per iteration, until
 * the `until` condition holds on an iteration's outputs. Each iteration is a child run, so the
 * parent's history grows by a few events per iteration, never by the body's own events. At
 * `maxIterations` a `loop` gate asks a person: retry (another round), approve, or reject.
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { bindInput, parseReference } from '../../shared/binding';
import type { Definition, Phase } from '../../shared/definition';
import { BATON_FAILURES } from '../../shared/failure-types';
import { LIMITS } from '../../shared/limits';
import { evaluatePolicy } from '../../shared/policy';
import type { LoopIteration, LoopStatus } from '../../shared/status';
import { awaitDecision } from '../gate';
import type { RunStateObject } from '../run-state';
import { childFailed, runChild } from './child-run';
import type { PhaseExecutor } from './executor';

/** Iterations `status` lists; earlier ones are counted in `dropped` (history has them all). */
const ITERATIONS_KEPT = 20;

const BINDING = /\$\{\s*([^}]+?)\s*\}/g;
const WHOLE_BINDING = /^\$\{\s*([^}]+?)\s*\}$/;

/**
 * Binds what the parent knows (params, outputs of phases outside the body) and leaves bindings to
 * body phases for the child, which runs them.
 */
function bindOutside(value: unknown, run: RunStateObject, body: ReadonlySet<string>, depth = 0): unknown {
  if (depth > LIMITS.nestingDepth) return value;
  const scope = run.bindings();
  const keep = (expression: string) => {
    const ref = parseReference(expression);
    return ref.kind === 'phase' && body.has(ref.phase);
  };
  if (typeof value === 'string') {
    const whole = WHOLE_BINDING.exec(value);
    if (whole) return keep(whole[1] as string) ? value : bindInput(value, scope);
    return value.replace(BINDING, (match, expression: string) => {
      if (keep(expression)) return match;
      const bound: unknown = bindInput(match, scope);
      if (bound === undefined || bound === null) return '';
      return typeof bound === 'object' ? JSON.stringify(bound) : String(bound);
    });
  }
  if (Array.isArray(value)) return value.map((item) => bindOutside(item, run, body, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, bindOutside(v, run, body, depth + 1)]),
    );
  }
  return value;
}

/** The body as a definition of its own, for one iteration; the first body phase gets `feedback`. */
function iterationDefinition(
  run: RunStateObject,
  loopPhase: Phase,
  number: number,
  previous: Record<string, unknown> | undefined,
): Definition {
  const ids = loopPhase.loop?.phases ?? [];
  const body = new Set(ids);
  const first = ids[0];
  const name = `${run.definition.name}.${loopPhase.id}`;
  return {
    name: name.length > LIMITS.nameChars ? name.slice(0, LIMITS.nameChars) : name,
    version: run.definition.version,
    description: `iteration ${number} of loop "${loopPhase.id}"`,
    params: {},
    phases: run.definition.phases
      .filter((p) => body.has(p.id))
      .map((p) => {
        const input = bindOutside(p.input, run, body) as Record<string, unknown>;
        return {
          ...p,
          needs: p.needs.filter((n) => body.has(n)),
          input: p.id === first && previous ? { ...input, feedback: { iteration: number, previous } } : input,
        };
      }),
  };
}

/** Kind `loop`: rounds of at most `maxIterations` child runs (`<run id>.<loop>.<n>`). */
export const runLoopPhase: PhaseExecutor = async ({ phase, context }) => {
  if (!context) throw ApplicationFailure.nonRetryable('a loop phase needs its run', BATON_FAILURES.Internal);
  const { run } = context;
  const loop = phase.loop as NonNullable<Phase['loop']>;
  const status = run.phase(phase.id);
  const state: LoopStatus = (status.loop ??= { iterations: [], dropped: 0, rounds: 0 });
  const count = () => state.dropped + state.iterations.length;
  let previous = status.output as Record<string, unknown> | undefined;
  let last: LoopIteration | undefined;

  const done = (outputs: Record<string, unknown>) => {
    // Later phases may bind a body phase's output: the last iteration's.
    for (const id of loop.phases) {
      const row = run.phase(id);
      row.output = outputs[id];
      row.state = 'done';
      row.runs = count();
    }
    return { output: outputs, attempts: 1, artifacts: [], usage: {}, withoutLlm: [] };
  };

  for (;;) {
    state.rounds += 1;
    for (let i = 0; i < loop.maxIterations; i++) {
      const number = count() + 1;
      last = { number, workflowId: `${workflowInfo().workflowId}.${phase.id}.${number}`, state: 'running' };
      state.iterations.push(last);
      if (state.iterations.length > ITERATIONS_KEPT) {
        state.iterations.shift();
        state.dropped += 1;
      }
      run.publish();
      const outcome = await runChild(run, {
        workflowId: last.workflowId,
        definition: iterationDefinition(run, phase, number, previous),
        params: {},
        budget: run.ledger.remaining(phase, status.usage),
      });
      last.state = outcome.state;
      // Counted per iteration, so the next one gets what is left.
      run.ledger.spend(status, outcome.usage);
      run.noteWithoutLlm(outcome.agentsWithoutLlm);
      if (outcome.state !== 'completed') throw childFailed(phase, outcome);
      previous = outcome.outputs;
      status.output = previous;
      const until = evaluatePolicy(loop.until, {
        phases: Object.fromEntries(Object.entries(previous).map(([id, output]) => [id, { output }])),
        params: run.params,
        iteration: number,
      });
      if (!until.ok) {
        last.untilError = until.error;
        run.publish();
        throw ApplicationFailure.create({
          message: `loop "${phase.id}": until ${JSON.stringify(loop.until)} could not be evaluated on iteration ${number}: ${until.error}`,
          type: BATON_FAILURES.InvalidDefinition,
          nonRetryable: true,
        });
      }
      last.until = until.value;
      run.publish();
      if (until.value) return done(previous);
    }
    const decision = await awaitDecision(
      run,
      phase,
      'loop',
      { onTimeout: 'reject' },
      {
        reason: `${count()} iteration(s) ran and until ${JSON.stringify(loop.until)} never held`,
        iterations: count(),
        until: loop.until,
        output: previous,
      },
    );
    if (!decision)
      throw ApplicationFailure.nonRetryable('the run stopped at the loop gate', BATON_FAILURES.Internal);
    if (decision.action === 'approve') return done(previous ?? {});
    if (decision.action === 'reject') {
      status.state = 'rejected';
      context.reject(decision, phase.id);
      throw ApplicationFailure.nonRetryable('rejected at the loop gate', BATON_FAILURES.PhaseFailed);
    }
    // retry: another round, fed the last iteration's outputs.
  }
};
