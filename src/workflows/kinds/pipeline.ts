/**
 * Kind `pipeline` (hierarchical mode): the phase runs a child `pipeline` workflow, from a template
 * resolved on the worker or an inline definition (literal, or one binding resolved now), and takes
 * the child's summary as its output.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { bindInput } from '../../shared/binding';
import { sourceOf } from '../../shared/child-kinds';
import type { Definition, Params, Phase } from '../../shared/definition';
import { validateDefinition } from '../../shared/validate';
import { invalid } from '../failures';
import type { RunStateObject } from '../run-state';
import { childFailed, childIdOf, runChild } from './child-run';
import type { PhaseExecutor } from './executor';

const { resolveTemplate } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3 },
  summary: 'resolve a child pipeline template',
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The child's definition and params, bound and validated; a problem fails the phase, listing them. */
async function childOf(
  run: RunStateObject,
  phase: Phase,
): Promise<{ definition: Definition; params: Params; template?: string }> {
  const source = sourceOf(phase.pipeline as NonNullable<Phase['pipeline']>);
  const bindings = run.bindings();
  let raw: unknown;
  if (source.kind === 'template') raw = (await resolveTemplate({ name: source.name })).definition;
  else if (source.kind === 'bound') raw = bindInput(source.binding, bindings);
  // An inline definition's own `${...}` bindings are the child's: they are left for it to bind.
  else raw = source.definition;
  const params = bindInput(phase.params ?? {}, bindings);
  const at = `phases[${phase.id}]`;
  if (!isRecord(params)) {
    throw invalid(`${at}.params`, [
      {
        path: `${at}.params`,
        message: `bound to ${describe(params)}; params must be an object of names to values`,
      },
    ]);
  }
  if (raw === undefined) {
    throw invalid(`${at}.pipeline`, [
      {
        path: `${at}.pipeline.definition`,
        message: `${source.kind === 'bound' ? source.binding : 'the definition'} is empty when the phase starts; bind an output that holds a definition { name, phases }`,
      },
    ]);
  }
  const checked = validateDefinition(raw, params);
  const name = isRecord(raw) ? raw.name : undefined;
  if (!checked.ok) throw invalid(typeof name === 'string' ? name : `${at}.pipeline`, checked.problems);
  return {
    definition: checked.definition,
    params: checked.params,
    template: source.kind === 'template' ? source.name : undefined,
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Kind `pipeline`: one child run per run of the phase (`<run id>.<phase>`, `.<n>` from the second). */
export const runPipelinePhase: PhaseExecutor = async ({ phase, run: runNumber, context }) => {
  if (!context) throw ApplicationFailure.nonRetryable('a pipeline phase needs its run', 'Baton.Internal');
  const { run } = context;
  const status = run.phase(phase.id);
  const child = await childOf(run, phase);
  const outcome = await runChild(run, {
    workflowId: childIdOf(phase.id, runNumber),
    ...child,
    budget: run.ledger.remaining(phase, status.usage),
    started(workflowId) {
      status.child = { workflowId, state: 'running' };
      run.publish();
    },
  });
  status.child = { workflowId: outcome.workflowId, state: outcome.state };
  if (outcome.state !== 'completed') {
    // What the child spent counts even when it failed.
    run.ledger.spend(status, outcome.usage);
    throw childFailed(phase, outcome);
  }
  return {
    output: {
      workflowId: outcome.workflowId,
      state: outcome.state,
      outputs: outcome.outputs,
      ...(outcome.result ? { result: outcome.result } : {}),
    },
    attempts: 1,
    artifacts: [],
    usage: outcome.usage,
    withoutLlm: outcome.agentsWithoutLlm,
  };
};
