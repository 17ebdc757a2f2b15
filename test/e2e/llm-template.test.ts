import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configuredAgents, createActivities } from '../../src/activities';
import { buildOpenApi, type FieldSpec } from '../../src/activities/agents/spec/openapi';
import { nodeExpressFiles } from '../../src/activities/agents/codegen/node';
import { readResources } from '../../src/activities/agents/codegen/resources';
import { createArtifactStore } from '../../src/store/artifacts';
import { loadConfig } from '../../src/config';
import { createLlm } from '../../src/activities/llm';
import { startRun, waitForResult } from '../../src/client/runs';
import type { RunSummary } from '../../src/shared/status';
import { chatCompletion, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';
import { testBaton, uniqueId } from '../helpers/env';

const MODEL = 'fake-coder-1';
const SERVICE = 'todo-service';
const FIELDS: FieldSpec[] = [
  { name: 'title', type: 'string', required: true },
  { name: 'done', type: 'boolean', required: false },
];
const answer = (value: unknown) =>
  chatCompletion(JSON.stringify(value), { prompt_tokens: 100, completion_tokens: 40 });

/** The handler a sensible model writes for the fields above: what the deterministic generator writes. */
function sensibleHandler(): string {
  const spec = buildOpenApi(SERVICE, ['todos'], '1.0.0', { todos: FIELDS });
  const { resources } = readResources(spec, 'spec/openapi.json');
  const handler = nodeExpressFiles(SERVICE, resources, 'spec/openapi.json').find(
    ([file]) => file === 'src/handlers/todos.js',
  );
  return `// Written by the model.\n${handler![1]}`;
}

describe('node-express-api with an OpenAI-compatible endpoint configured', () => {
  let fake: FakeOpenAI;
  let summary: RunSummary;
  let workspaceRoot: string;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    // The phases run one after another (spec → codegen → review → build), so the answers queue in order.
    fake.reply(
      answer({ resources: [{ resource: 'todos', fields: FIELDS }] }),
      answer({ files: [{ path: 'src/handlers/todos.js', content: sensibleHandler() }] }),
      answer({
        findings: [
          {
            file: 'app/src/handlers/todos.js',
            line: 1,
            severity: 'info',
            message: 'consider persisting the store',
          },
        ],
      }),
    );
    const env = { OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: MODEL };
    workspaceRoot = await mkdtemp(join(tmpdir(), 'baton-ws-llm-'));
    const config = await loadConfig({ env, cwd: workspaceRoot });
    const llm = createLlm(config, { env });
    const taskQueue = uniqueId('llm-template');
    const baton = await testBaton(taskQueue);
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    // As a worker started with this config does: the agents get the LLM, and runAgent knows it.
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities({
        agents: configuredAgents(config),
        config,
        llm,
        workspaceRoot,
        artifacts: createArtifactStore(join(workspaceRoot, '.artifacts')),
      }),
    });
    try {
      summary = await worker.runUntil(async () => {
        const { workflowId } = await startRun(baton, {
          template: 'node-express-api',
          params: { service: SERVICE, resources: 'todos' },
          approvalMode: 'auto',
          agents: configuredAgents(config).map((a) => a.name),
        });
        return waitForResult(baton, workflowId);
      });
    } finally {
      await connection.close();
      await baton.close();
    }
  });

  afterAll(async () => {
    await fake?.close();
  });

  it('sends the LLM-capable agents to the endpoint with the configured model', () => {
    expect(summary.state).toBe('completed');
    expect(fake.requests).toHaveLength(3);
    for (const request of fake.requests) {
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.body.model).toBe(MODEL);
    }
    const systems = fake.requests.map((r) => r.messages[0]?.content ?? '');
    expect(systems[0]).toContain('You design REST APIs');
    expect(systems[1]).toContain('senior engineer');
    expect(systems[2]).toContain('code reviewer');
  });

  it("uses the answers: fields in the spec, the model's code built and tested, its findings in the review", async () => {
    expect(summary.outputs.spec).toMatchObject({ valid: true, fieldsFrom: 'llm' });
    expect(summary.outputs.codegen).toMatchObject({ llmFiles: ['app/src/handlers/todos.js'] });
    expect(summary.outputs.build).toMatchObject({ compiled: true, tests: { passed: 4, failed: 0 } });
    expect(summary.outputs.review).toMatchObject({
      errors: 0,
      findings: expect.arrayContaining([
        expect.objectContaining({ source: 'llm', file: 'app/src/handlers/todos.js', severity: 'info' }),
      ]),
    });
    const store = createArtifactStore(join(workspaceRoot, '.artifacts'));
    const refs = summary.phases.find((p) => p.id === 'codegen')?.artifacts ?? [];
    const handler = refs.find((a) => a.name === 'app/src/handlers/todos.js');
    expect(handler).toBeDefined();
    expect((await store.get(handler!.uri)).toString('utf8')).toMatch(/^\/\/ Written by the model\./);
    const specRef = summary.phases
      .find((p) => p.id === 'spec')
      ?.artifacts?.find((a) => a.name === 'spec/openapi.json');
    expect(specRef).toBeDefined();
    const spec = JSON.parse((await store.get(specRef!.uri)).toString('utf8'));
    expect(spec.components.schemas.TodoInput).toEqual({
      type: 'object',
      required: ['title'],
      additionalProperties: false,
      properties: { title: { type: 'string' }, done: { type: 'boolean' } },
    });
  });

  it('does not list them as agents without an LLM, and sums their usage', () => {
    expect(summary.agentsWithoutLlm).toEqual([]);
    expect(summary.usage).toMatchObject({ inputTokens: 300, outputTokens: 120, calls: 3 });
    for (const id of ['spec', 'codegen', 'review']) {
      expect(summary.phases.find((p) => p.id === id)?.usage).toMatchObject({ calls: 1, inputTokens: 100 });
    }
    expect(summary.phases.find((p) => p.id === 'build')?.usage.calls).toBe(0);
  });
});
