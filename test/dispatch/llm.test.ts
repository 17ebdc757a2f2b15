import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createAgentRegistry } from '../../src/activities/agents/agent';
import { dispatchLlm, registryFacts } from '../../src/activities/dispatch';
import { createLlm } from '../../src/activities/llm';
import { loadConfig } from '../../src/config';
import { analyze, DispatchError, type AnalysisDeps } from '../../src/dispatch/analyze';
import { loadTemplateBook } from '../../src/dispatch/template-book';
import { validateDefinition } from '../../src/shared/validate';
import { chatCompletion, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';

let fake: FakeOpenAI;
let dir: string;
let deps: AnalysisDeps;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  dir = await mkdtemp(path.join(os.tmpdir(), 'baton-dispatch-llm-'));
  const env = { OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: 'fake-dispatcher' };
  const llm = createLlm(await loadConfig({ env, cwd: dir }), { env });
  const { names, schemas } = registryFacts(createAgentRegistry(builtinAgents()));
  const { templates } = await loadTemplateBook(new URL('../../templates', import.meta.url).pathname);
  deps = { templates, agents: names, agentSchemas: schemas, llm: dispatchLlm(llm) };
});

afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

const answer = (value: unknown) => chatCompletion(JSON.stringify(value));
const BLUE_GREEN = 'Create an automated blue-green deployment pipeline with rollback';

const decision = (definition: unknown) => ({
  workflowType: 'custom',
  complexity: 'moderate',
  agents: [{ name: 'deploy', confidence: 0.8 }],
  strategy: 'compose',
  definition,
  reasoning: 'a deployment pipeline fits no template',
});

const invalid = { name: 'bg', phases: [{ id: 'ship', agent: 'teleport', input: {} }] };
const valid = {
  name: 'bg',
  phases: [
    { id: 'design', agent: 'design', input: { requirement: 'slugify' } },
    {
      id: 'code',
      agent: 'codegen',
      needs: ['design'],
      input: { specPath: '${phases.design.output.specPath}', target: 'node-module' },
    },
    {
      id: 'ship',
      agent: 'deploy',
      needs: ['code'],
      input: { dir: '${phases.code.output.dir}', environment: 'green' },
      approval: true,
    },
  ],
};

describe('dispatch with an LLM (fake OpenAI over HTTP)', () => {
  it('takes the model’s template decision, with the estimate from defaults', async () => {
    fake.reply(
      answer({
        ...decision(undefined),
        workflowType: 'research',
        strategy: 'template',
        template: 'research',
        definition: undefined,
      }),
    );
    const d = await analyze({ request: 'Look into vector databases', context: {} }, deps);
    expect([d.workflowType, d.strategy, d.template]).toEqual(['research', 'template', 'research']);
    expect(d.reasoning).toMatch(/^LLM: /);
    expect(d.estimate.basis).toBe('defaults');
    expect(fake.requests.at(-1)?.text).toContain('Look into vector databases');
  });

  it('feeds an invalid composition back once, then takes the fixed one', async () => {
    const before = fake.requests.length;
    fake.reply(answer(decision(invalid)), answer(decision(valid)));
    const d = await analyze({ request: BLUE_GREEN, context: {} }, deps);
    expect(d.strategy).toBe('compose');
    expect(validateDefinition(d.definition, d.params, { agents: deps.agents }).ok).toBe(true);
    const second = fake.requests[before + 1]!.messages.map((m) => m.content).join('\n');
    expect(second).toContain('not valid');
    expect(second).toContain('unknown agent "teleport"');
    expect(d.reasoning).toContain('sent back with 1 problem');
  });

  it('refuses the dispatch when the second composition is invalid too, listing the problems', async () => {
    const before = fake.requests.length;
    fake.reply(
      answer(decision(invalid)),
      answer(decision({ ...invalid, phases: [{ id: 'x', agent: 'deploy', needs: ['nope'], input: {} }] })),
    );
    const error = await analyze({ request: BLUE_GREEN, context: {} }, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).message).toMatch(
      /still not valid after one round of feedback: phases\[x\]\.needs\[0\]: needs "nope"/,
    );
    expect((error as DispatchError).problems.length).toBeGreaterThan(0);
    expect(fake.requests.length - before).toBe(2);
    expect(fake.requests[before + 1]!.text).toContain('teleport');
  });

  it('falls back to the offline classifier on an unparsable answer, and says so', async () => {
    // The Llm re-asks once on a bad answer; two bad answers are Agent.BadOutput.
    fake.reply(chatCompletion('not json at all'), chatCompletion('{"strategy": 42}'));
    const d = await analyze({ request: BLUE_GREEN, context: {} }, deps);
    expect(d.strategy).toBe('compose');
    expect(d.reasoning).toMatch(/the LLM's answer did not parse .*offline classifier decided/);
    expect(validateDefinition(d.definition, d.params, { agents: deps.agents }).ok).toBe(true);
  });

  it('falls back when the model names a template that is not installed', async () => {
    fake.reply(
      answer({
        ...decision(undefined),
        strategy: 'template',
        template: 'no-such-template',
        definition: undefined,
      }),
    );
    const d = await analyze({ request: 'Research AI coding assistant market landscape', context: {} }, deps);
    expect(d.template).toBe('research');
    expect(d.reasoning).toContain('"no-such-template", which is not installed');
  });
});
