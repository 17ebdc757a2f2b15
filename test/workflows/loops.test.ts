import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/activities/agents/agent';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { renderStatus } from '../../src/client/cli/format';
import type { DefinitionInput } from '../../src/shared/definition';
import { validateDefinition } from '../../src/shared/validate';
import { testAgents, tickAgent } from '../helpers/agents';
import { definition, queryStatus, useWorker, waitFor } from '../helpers/env';

const FailuresSchema = z.object({ failed: z.number(), failures: z.array(z.string()) });

/**
 * Writes "code" that passes only once it was told which test failed: the loop must feed the last
 * build's failures back, or it never gets there. A `hopeless` task ignores feedback.
 */
const codegenAgent = defineAgent({
  name: 'codegen',
  description: 'fixes the code it is told about',
  input: z
    .object({
      task: z.string(),
      hopeless: z.boolean().optional(),
      feedback: z
        .object({
          iteration: z.number(),
          previous: z.object({ build: z.object({ tests: FailuresSchema }).optional() }).passthrough(),
        })
        .optional(),
    })
    .strict(),
  output: z.object({ code: z.string(), sawFailures: z.array(z.string()) }),
  async run({ task, hopeless, feedback }) {
    const failures = feedback?.previous.build?.tests.failures ?? [];
    const fixed = !hopeless && failures.includes(`${task}-test`);
    return { code: fixed ? `fixed ${task}` : `buggy ${task}`, sawFailures: failures };
  },
});

const buildAgent = defineAgent({
  name: 'build',
  description: 'tests the code',
  input: z.object({ code: z.string(), task: z.string() }).strict(),
  output: z.object({ tests: FailuresSchema }),
  async run({ code, task }) {
    const ok = code.startsWith('fixed');
    return { tests: { failed: ok ? 0 : 1, failures: ok ? [] : [`${task}-test`] } };
  },
});

const agentList = [...testAgents(), codegenAgent, buildAgent, tickAgent];
const agents = agentList.map((a) => a.name);
const shared = useWorker({ prefix: 'loops', agents: agentList });

/** spec → fix (loop over codegen, build) → report; `report` binds the loop's and a body phase's output. */
function fixLoop(task: string, extra: { hopeless?: boolean; maxIterations?: number } = {}): DefinitionInput {
  return definition([
    { id: 'spec', agent: 'echo', input: { task } },
    {
      id: 'codegen',
      agent: 'codegen',
      needs: ['spec'],
      input: { task: '${phases.spec.output.echoed.task}', ...(extra.hopeless ? { hopeless: true } : {}) },
    },
    {
      id: 'build',
      agent: 'build',
      needs: ['codegen'],
      input: { code: '${phases.codegen.output.code}', task: '${phases.spec.output.echoed.task}' },
    },
    {
      id: 'fix',
      needs: ['spec'],
      loop: {
        phases: ['codegen', 'build'],
        until: 'phases.build.output.tests.failed == 0',
        maxIterations: extra.maxIterations ?? 3,
      },
    },
    {
      id: 'report',
      agent: 'echo',
      needs: ['fix', 'build'],
      input: { tests: '${phases.fix.output.build.tests}', failed: '${phases.build.output.tests.failed}' },
    },
  ]);
}

describe('loops', () => {
  it('succeeds on iteration 2, the first iteration’s failure fed back to codegen', async () => {
    const { workflowId } = await startRun(shared.baton, { agents, definition: fixLoop('parser') });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    const fix = summary.phases.find((p) => p.id === 'fix');
    expect(fix?.loop).toEqual({
      rounds: 1,
      dropped: 0,
      iterations: [
        { number: 1, workflowId: `${workflowId}.fix.1`, state: 'completed', until: false },
        { number: 2, workflowId: `${workflowId}.fix.2`, state: 'completed', until: true },
      ],
    });
    expect(summary.outputs.fix).toEqual({
      codegen: { code: 'fixed parser', sawFailures: ['parser-test'] },
      build: { tests: { failed: 0, failures: [] } },
    });
    // Later phases bind the loop's output, or a body phase's (the last iteration's).
    expect(summary.outputs.report).toMatchObject({
      echoed: { tests: { failed: 0, failures: [] }, failed: 0 },
    });
    expect(summary.phases.find((p) => p.id === 'build')).toMatchObject({ state: 'done', runs: 2 });
    // The second iteration's codegen got the first build's outputs as feedback.
    const second = await queryStatus(shared.baton, `${workflowId}.fix.2`);
    expect(second.phases.map((p) => p.id)).toEqual(['codegen', 'build']);
    const first = await queryStatus(shared.baton, `${workflowId}.fix.1`);
    expect(first.phases.find((p) => p.id === 'build')?.output).toEqual({
      tests: { failed: 1, failures: ['parser-test'] },
    });
    expect(renderStatus(workflowId, summary)).toMatch(
      new RegExp(
        `iteration 2: ${workflowId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.fix\\.2 completed\\s+until: true`,
      ),
    );
  });

  it('at its cap opens a loop gate, even in auto mode: retry runs another round, approve accepts the last iteration', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      approvalMode: 'auto',
      definition: fixLoop('lexer', { hopeless: true, maxIterations: 2 }),
    });
    const gated = await waitFor(
      () => queryStatus(shared.baton, workflowId),
      (s) => s.gates.some((g) => g.phase === 'fix'),
    );
    expect(gated.gates[0]).toMatchObject({
      kind: 'loop',
      id: 'fix#1',
      iterations: 2,
      until: 'phases.build.output.tests.failed == 0',
      reason: expect.stringContaining('2 iteration(s) ran'),
      output: { build: { tests: { failed: 1 } } },
    });
    const refused = await decide(shared.baton, workflowId, { phase: 'fix', action: 'skip', by: 'pat' }).catch(
      (e: unknown) => e,
    );
    expect(String(refused)).toMatch(/a loop gate takes approve, retry, reject, not skip/);

    await decide(shared.baton, workflowId, { phase: 'fix', action: 'retry', by: 'pat' });
    await waitFor(
      () => queryStatus(shared.baton, workflowId),
      (s) => s.gates.some((g) => g.id === 'fix#2'),
    );
    await decide(shared.baton, workflowId, { phase: 'fix', action: 'approve', by: 'pat' });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    const loop = summary.phases.find((p) => p.id === 'fix')?.loop;
    expect(loop?.rounds).toBe(2);
    expect(loop?.iterations.map((i) => [i.number, i.until])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
    ]);
    expect(summary.outputs.fix).toMatchObject({ build: { tests: { failed: 1 } } });
    expect(summary.outputs.report).toMatchObject({ echoed: { failed: 1 } });
  });

  it('reject at the loop gate ends the run as rejected', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: fixLoop('emitter', { hopeless: true, maxIterations: 1 }),
    });
    await waitFor(
      () => queryStatus(shared.baton, workflowId),
      (s) => s.gates.some((g) => g.phase === 'fix'),
    );
    await decide(shared.baton, workflowId, { phase: 'fix', action: 'reject', by: 'pat', comment: 'give up' });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('rejected');
    expect(summary.reason).toBe('Rejected at "fix" by pat: give up');
    expect(summary.phases.find((p) => p.id === 'fix')?.state).toBe('rejected');
    expect(summary.phases.find((p) => p.id === 'report')?.state).toBe('cancelled');
  });

  it('refuses a loop whose first body phase’s agent takes no feedback, when its schema is known', () => {
    const strict = {
      properties: { tokens: { type: ['number' as const] } },
      required: [],
      additionalProperties: false,
    };
    const checked = validateDefinition(
      definition([
        { id: 'a', agent: 'spend', input: { tokens: 1 } },
        { id: 'again', loop: { phases: ['a'], until: 'iteration == 2' } },
      ]),
      {},
      { agentSchemas: { spend: strict } },
    );
    expect(checked.ok ? [] : checked.problems).toEqual([
      {
        path: 'phases[again].loop.phases[0]',
        message: expect.stringMatching(/agent "spend" of "a" takes no field "feedback"/),
      },
    ]);
  });

  it('refuses bad loop definitions, naming the field and the fix', () => {
    const checked = validateDefinition(
      definition([
        { id: 'a', agent: 'tick' },
        { id: 'b', agent: 'tick', needs: ['a'] },
        { id: 'late', agent: 'tick', needs: ['two'] },
        { id: 'c', agent: 'tick', needs: ['late'] },
        {
          id: 'one',
          loop: { phases: ['a', 'b', 'one', 'ghost'], until: 'phases.b.output.ok ==', maxIterations: 3 },
        },
        { id: 'two', needs: ['a'], loop: { phases: ['a', 'c'], until: 'true', maxIterations: 5 } },
        { id: 'three', loop: { phases: ['two'], until: 'true', maxIterations: 101 } },
        { id: 'four', loop: { phases: ['b'], until: 'true', maxIterations: 0 } },
      ]),
    );
    expect(checked.ok).toBe(false);
    const problems = checked.ok ? [] : checked.problems;
    const at = (path: string) =>
      problems
        .filter((p) => p.path === path)
        .map((p) => p.message)
        .join(' | ');
    expect(at('phases[one].loop.phases[2]')).toMatch(/cannot be its own body/);
    expect(at('phases[one].loop.phases[3]')).toMatch(
      /"ghost" is not a phase of this definition; phases are: a, b/,
    );
    expect(at('phases[one].loop.until')).toMatch(/column \d+/);
    expect(at('phases[four].loop.maxIterations')).toMatch(/at least 1/);
    expect(at('phases[three].loop.maxIterations')).toMatch(/at most 100/);
    expect(at('phases[two].needs[0]')).toMatch(/needs its own body phase "a"/);
    expect(at('phases[c].needs[0]')).toMatch(/needs "late", which runs after the loop/);
    const valid = validateDefinition(
      definition([
        { id: 'a', agent: 'tick' },
        { id: 'two', loop: { phases: ['a'], until: 'nothing.here', maxIterations: 5 } },
        { id: 'three', loop: { phases: ['two'], until: 'true' } },
      ]),
    );
    const more = valid.ok ? [] : valid.problems;
    expect(more).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'phases[two].loop.until',
          message: expect.stringMatching(/can read phases, params, iteration/),
        }),
        expect.objectContaining({
          path: 'phases[three].loop.phases[0]',
          message: expect.stringMatching(/is a loop itself/),
        }),
      ]),
    );
    expect(problems.map((p) => p.message).join('\n')).toMatch(/"a" is already in the body of loop "one"/);
  });
});
