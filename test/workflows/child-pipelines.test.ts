import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelRun, decide, inbox, startRun, waitForResult } from '../../src/client/runs';
import { renderInbox } from '../../src/client/cli/format';
import type { DefinitionInput } from '../../src/shared/definition';
import { BatonPendingGates } from '../../src/shared/search-attributes';
import type { RunSummary } from '../../src/shared/status';
import { validateDefinition } from '../../src/shared/validate';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, useWorker, waitFor } from '../helpers/env';

const agents = testAgents().map((a) => a.name);
const shared = useWorker({ prefix: 'children' });

/** A child with one gated phase: its gate opens in the child run. */
const gatedChild: DefinitionInput = {
  name: 'child-review',
  params: { topic: { type: 'string', default: 'none' } },
  phases: [
    { id: 'draft', agent: 'echo', input: { topic: '${params.topic}' }, approval: true },
    { id: 'polish', agent: 'echo', needs: ['draft'], input: { from: '${phases.draft.output.echoed.topic}' } },
  ],
};

/**
 * What a plan phase outputs: no bindings of its own (the parent would bind them in the plan's
 * input); its required param shows that the bound params reached the child.
 */
const plannedChild: DefinitionInput = {
  name: 'child-review',
  params: { topic: { type: 'string', pattern: '^tides$' } },
  phases: [
    { id: 'draft', agent: 'echo', input: { topic: 'tides' }, approval: true },
    { id: 'polish', agent: 'echo', needs: ['draft'], input: { from: 'tides' } },
  ],
};

const failure = async (id: string) => {
  const error = await shared.baton.client.workflow
    .getHandle(id)
    .result()
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return error as WorkflowFailedError;
};

describe('child pipelines', () => {
  it('runs a bound definition as a child: its gate is in the inbox with the parent, decided there, and its summary is the output', async () => {
    // Dispatch-style: a plan phase outputs {definition, params}; the next phase runs it.
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        { id: 'plan', agent: 'echo', input: { definition: plannedChild, params: { topic: 'tides' } } },
        {
          id: 'execute',
          needs: ['plan'],
          pipeline: { definition: '${phases.plan.output.echoed.definition}' },
          params: '${phases.plan.output.echoed.params}',
        },
        {
          id: 'report',
          agent: 'echo',
          needs: ['execute'],
          input: { got: '${phases.execute.output.outputs.polish}' },
        },
      ]),
    });
    const childId = `${workflowId}.execute`;
    const running = await waitFor(
      () => queryStatus(shared.baton, workflowId),
      (s) => s.phases.find((p) => p.id === 'execute')?.child?.workflowId === childId,
    );
    expect(running.phases.find((p) => p.id === 'execute')).toMatchObject({
      state: 'running',
      agent: 'pipeline',
    });

    const items = await waitFor(
      () => inbox(shared.baton),
      (found) => found.some((i) => i.workflowId === childId),
    );
    const item = items.find((i) => i.workflowId === childId);
    expect(item).toMatchObject({
      phase: 'draft',
      parent: workflowId,
      template: 'child-review',
      kind: 'approval',
    });
    const rendered = renderInbox([item!]);
    expect(rendered.split('\n')[0]).toMatch(/DECIDE WITH\s+PARENT$/);
    expect(rendered).toContain(`approve ${childId} draft`);
    expect(rendered.split('\n')[1]?.trim().endsWith(workflowId)).toBe(true);

    await decide(shared.baton, childId, { phase: 'draft', action: 'approve', by: 'pat' });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    const output = summary.outputs.execute as Record<string, unknown>;
    expect(output).toMatchObject({
      workflowId: childId,
      state: 'completed',
      outputs: { draft: { echoed: { topic: 'tides' } }, polish: { echoed: { from: 'tides' } } },
    });
    expect(output.result).toMatchObject({ workspace: expect.any(String) });
    expect(summary.outputs.report).toMatchObject({ echoed: { got: { echoed: { from: 'tides' } } } });
    expect(summary.phases.find((p) => p.id === 'execute')?.child).toEqual({
      workflowId: childId,
      state: 'completed',
    });
    const child = await queryStatus(shared.baton, childId);
    expect(child.decisions).toEqual([
      expect.objectContaining({ phase: 'draft', by: 'pat', action: 'approve' }),
    ]);
    expect(child.approvalMode).toBe('manual');
  });

  it('cancelling the parent cancels the child, and the child’s gate leaves the inbox', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: definition([{ id: 'sub', pipeline: { definition: gatedChild } }]),
    });
    const childId = `${workflowId}.sub`;
    const childHandle = shared.baton.client.workflow.getHandle(childId);
    await waitFor(
      () => childHandle.describe(),
      (d) => (d.typedSearchAttributes.get(BatonPendingGates) ?? []).includes('draft'),
    );
    await cancelRun(shared.baton, workflowId);
    expect((await failure(workflowId)).cause).toBeInstanceOf(CancelledFailure);
    const childError = await childHandle.result().catch((e: unknown) => e);
    expect((childError as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const child = await queryStatus(shared.baton, childId);
    expect(child.state).toBe('cancelled');
    expect(child.gates).toEqual([]);
    expect((await childHandle.describe()).typedSearchAttributes.get(BatonPendingGates)).toBeUndefined();
    expect((await inbox(shared.baton)).filter((i) => i.workflowId === childId)).toEqual([]);
    const parent = await queryStatus(shared.baton, workflowId);
    expect(parent.phases[0]).toMatchObject({ state: 'cancelled', child: { workflowId: childId } });
  });

  it('passes what is left of the budget down, and the child’s spending counts in the parent', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      approvalMode: 'auto',
      definition: definition(
        [
          { id: 'first', agent: 'spend', input: { tokens: 30 } },
          {
            id: 'sub',
            needs: ['first'],
            pipeline: {
              definition: {
                name: 'spender',
                budget: { tokens: 500 },
                phases: [{ id: 'work', agent: 'spend', input: { tokens: 20 } }],
              },
            },
          },
          {
            id: 'capped',
            needs: ['first'],
            pipeline: {
              definition: { name: 'tiny', budget: { tokens: 5 }, phases: [{ id: 'w', agent: 'echo' }] },
            },
            budget: { tokens: 40 },
          },
        ],
        { budget: { tokens: 100 } },
      ),
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    const child = await queryStatus(shared.baton, `${workflowId}.sub`);
    // 100 less the 30 spent, less the 40 "capped" may hold if it started first: never the child's 500.
    expect([70, 30]).toContain(child.budget?.tokens);
    expect(child.usage.inputTokens + child.usage.outputTokens).toBe(20);
    // The child's own budget is kept where it is tighter.
    expect((await queryStatus(shared.baton, `${workflowId}.capped`)).budget).toEqual({ tokens: 5 });
    expect(summary.usage.inputTokens + summary.usage.outputTokens).toBe(50);
    expect(summary.phases.find((p) => p.id === 'sub')?.usage.calls).toBe(1);
  });

  it('a failed or rejected child fails the phase with the child’s reason', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        { id: 'sub', pipeline: { definition: { name: 'doomed', phases: [{ id: 'boom', agent: 'fatal' }] } } },
      ]),
    });
    const error = await failure(workflowId);
    expect(error.cause?.message).toMatch(
      new RegExp(
        `Phase "sub" failed .*child run ${workflowId}\\.sub ended failed: Phase "boom" failed .*the spec is contradictory`,
      ),
    );
    const rejected = await startRun(shared.baton, {
      agents,
      definition: definition([{ id: 'sub', pipeline: { definition: gatedChild } }]),
    });
    const childId = `${rejected.workflowId}.sub`;
    await waitFor(
      () => queryStatus(shared.baton, childId),
      (s) => s.gates.length === 1,
    );
    await decide(shared.baton, childId, {
      phase: 'draft',
      action: 'reject',
      by: 'pat',
      comment: 'off topic',
    });
    const rejectedError = await failure(rejected.workflowId);
    expect(rejectedError.cause?.message).toMatch(
      /child run \S+\.sub was rejected: Rejected at "draft" by pat: off topic/,
    );
  });

  it('an invalid bound definition fails the phase with the problems listed; an invalid inline one is refused up front', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        {
          id: 'plan',
          agent: 'echo',
          input: { definition: { name: 'broken', phases: [{ id: 'x', needs: ['y'] }] } },
        },
        {
          id: 'execute',
          needs: ['plan'],
          pipeline: { definition: '${phases.plan.output.echoed.definition}' },
        },
      ]),
    });
    const error = await failure(workflowId);
    expect(error.cause?.message).toContain('Phase "execute" failed');
    expect(error.cause?.message).toContain('Invalid pipeline definition "broken"');
    expect(error.cause?.message).toContain('phases[x].agent');
    expect(error.cause?.message).toContain('needs "y", which is not defined');
    const status = await queryStatus(shared.baton, workflowId);
    expect(status.phases.find((p) => p.id === 'execute')?.child).toBeUndefined();

    const checked = validateDefinition(
      definition([
        {
          id: 'sub',
          pipeline: { definition: { name: 'bad', phases: [{ id: 'x', agent: 'echo', timeout: 'soon' }] } },
        },
        { id: 'loose', agent: 'echo', params: { a: 1 } },
        { id: 'both', agent: 'echo', pipeline: 'review' },
        { id: 'bound', pipeline: { definition: '${phases.nowhere.output.definition}' }, params: 'topic' },
      ]),
    );
    expect(checked.ok).toBe(false);
    const problems = checked.ok ? [] : checked.problems;
    const at = (path: string) =>
      problems
        .filter((p) => p.path === path)
        .map((p) => p.message)
        .join(' | ');
    expect(at('phases[sub].pipeline.definition.phases[x].timeout')).toMatch(/"soon" is not a duration/);
    expect(at('phases[loose].params')).toMatch(/params are for a child pipeline/);
    expect(at('phases[both].pipeline')).toMatch(/one of agent, parallel, pipeline and loop/);
    expect(at('phases[bound].pipeline.definition')).toMatch(
      /binds the output of "nowhere", which is not defined/,
    );
    expect(at('phases[bound].params')).toMatch(/neither an object nor one binding/);
  });
});

describe('child pipelines from templates', () => {
  let dir = '';
  const before = process.env.BATON_TEMPLATES_DIR;
  beforeAll(async () => {
    // The worker resolves template names in its own templates directory.
    dir = await mkdtemp(join(tmpdir(), 'baton-child-templates-'));
    process.env.BATON_TEMPLATES_DIR = dir;
    await writeFile(
      join(dir, 'greet.json'),
      JSON.stringify({
        name: 'greet',
        params: { who: { type: 'string' } },
        phases: [{ id: 'hello', agent: 'echo', input: { greeting: 'hello ${params.who}' } }],
      }),
    );
  });
  afterAll(() => {
    if (before === undefined) delete process.env.BATON_TEMPLATES_DIR;
    else process.env.BATON_TEMPLATES_DIR = before;
  });

  it('resolves a template by name on the worker, with params bound from the parent', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: definition([{ id: 'sub', pipeline: 'greet', params: { who: '${params.name}' } }], {
        params: { name: { type: 'string', default: 'ada' } },
      }),
    });
    const summary: RunSummary = await waitForResult(shared.baton, workflowId);
    expect(summary.outputs.sub).toMatchObject({ outputs: { hello: { echoed: { greeting: 'hello ada' } } } });
    const child = await queryStatus(shared.baton, `${workflowId}.sub`);
    expect(child.template).toBe('greet');

    const unknown = await startRun(shared.baton, {
      agents,
      definition: definition([{ id: 'sub', pipeline: { template: 'nope' } }]),
    });
    expect((await failure(unknown.workflowId)).cause?.message).toMatch(
      /unknown template "nope" on the worker .*templates: greet/,
    );
    const missing = await startRun(shared.baton, {
      agents,
      definition: definition([{ id: 'sub', pipeline: 'greet' }]),
    });
    expect((await failure(missing.workflowId)).cause?.message).toMatch(
      /Invalid pipeline definition "greet"[\s\S]*params\.who/,
    );
  });
});
