import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../src/client/errors';
import { startRun } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import { testAgents } from '../helpers/agents';
import { uniqueId, useWorker } from '../helpers/env';
import { eventTypeName } from './event-types';

const agents = testAgents().map((a) => a.name);

interface Case {
  name: string;
  definition: DefinitionInput;
  params?: Record<string, unknown>;
  expected: string;
}

const base = (phases: DefinitionInput['phases'], extra: Partial<DefinitionInput> = {}): DefinitionInput => ({
  name: 'bad',
  phases,
  ...extra,
});

const cases: Case[] = [
  {
    name: 'an unknown agent',
    definition: base([{ id: 'spec', agent: 'wizard' }]),
    expected:
      'phases[spec].agent: unknown agent "wizard"; known agents: echo, fatal, flaky, hold, rendezvous, spend',
  },
  {
    name: 'a duplicate phase id',
    definition: base([
      { id: 'spec', agent: 'echo' },
      { id: 'spec', agent: 'echo' },
    ]),
    expected: 'phases[spec].id: duplicate phase id "spec"',
  },
  {
    name: 'a needs entry that names no phase',
    definition: base([{ id: 'review', agent: 'echo', needs: ['compile'] }]),
    expected: 'phases[review].needs[0]: needs "compile", which is not defined; phases are: review',
  },
  {
    name: 'a dependency cycle',
    definition: base([
      { id: 'a', agent: 'echo', needs: ['c'] },
      { id: 'b', agent: 'echo', needs: ['a'] },
      { id: 'c', agent: 'echo', needs: ['b'] },
    ]),
    expected: 'dependency cycle: a → c → b → a',
  },
  {
    name: 'a bad duration',
    definition: base([{ id: 'build', agent: 'echo', timeout: '10 minutes' }]),
    expected: 'phases[build].timeout: "10 minutes" is not a duration',
  },
  {
    name: 'an unknown param',
    definition: base([{ id: 'a', agent: 'echo' }], { params: { service: { default: 'x' } } }),
    params: { servce: 'billing' },
    expected: 'params.servce: unknown param; "bad" accepts service',
  },
  {
    name: 'a missing param',
    definition: base([{ id: 'a', agent: 'echo', input: { s: '${params.service}' } }], {
      params: { service: { description: 'service name' } },
    }),
    expected: 'params.service: missing required param (service name); pass --param service=<value>',
  },
];

const shared = useWorker({ prefix: 'invalid' });

describe.each(cases)('a definition with $name', ({ definition, params, expected }) => {
  it('is refused by the client, naming the phase and the field', async () => {
    const error = await startRun(shared.baton, { definition, params, agents }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as Error).message).toContain(expected);
  });

  it('fails the run at once, non-retryable, when started directly', async () => {
    const workflowId = uniqueId('direct');
    const handle = await shared.baton.client.workflow.start('pipeline', {
      taskQueue: shared.taskQueue,
      workflowId,
      args: [{ definition, params: params ?? {} }],
    });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('Baton.InvalidDefinition');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain(expected);
    // Failed on its first workflow task: no task-failure retry loop, no agent activity ran.
    const history = await handle.fetchHistory();
    const types = (history.events ?? []).map((e) => eventTypeName(e.eventType));
    expect(types).toContain('WORKFLOW_EXECUTION_FAILED');
    expect(types.filter((t) => t.includes('WORKFLOW_TASK_FAILED'))).toEqual([]);
    expect(types.filter((t) => t.includes('ACTIVITY_TASK_SCHEDULED'))).toEqual([]);
  });
});

describe('validation', () => {
  it('lists every problem at once', async () => {
    const error = (await startRun(shared.baton, {
      agents,
      params: { extra: 1 },
      definition: base([
        { id: 'a', agent: 'nope', needs: ['ghost'], timeout: 'soon' },
        { id: 'a', agent: 'echo', input: { x: '${phases.zzz.output}' } },
      ]),
    }).catch((e: unknown) => e)) as DefinitionError;
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error.problems.map((p) => p.path)).toEqual([
      'phases[a].id',
      'phases[a].agent',
      'phases[a].needs[0]',
      'phases[a].timeout',
      'phases[a].input',
      'params.extra',
    ]);
  });

  it('names unknown fields and schema errors by phase', async () => {
    const error = (await startRun(shared.baton, {
      agents,
      definition: { name: 'bad', phases: [{ id: 'a', agent: 'echo', neds: ['b'] }, { id: 'b' }] },
    }).catch((e: unknown) => e)) as DefinitionError;
    expect(error.message).toContain('phases[a]: unknown field "neds"; remove or rename it');
    expect(error.problems.some((p) => p.path === 'phases[b].agent')).toBe(true);
  });
});
