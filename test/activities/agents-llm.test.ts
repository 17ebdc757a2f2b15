import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import type { AgentContext } from '../../src/activities/agents/agent';
import { loadConfig, type Env } from '../../src/config';
import { createLlm, type Llm, type UsageRecord } from '../../src/activities/llm';
import { chatCompletion, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';

const MODEL = 'fake-coder-1';
const hasJavac = spawnSync('javac', ['-version']).status === 0;
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-agents-llm-'));
  dirs.push(dir);
  return dir;
}

async function llmFor(env: Env): Promise<Llm> {
  return createLlm(await loadConfig({ env, cwd: await tempDir() }), { env });
}

// Outputs are plain JSON, so tests read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Runs one built-in agent with an LLM in its context, the way runAgent does; returns its output and usage. */
async function run(llm: Llm | undefined, name: string, input: unknown, workspace: string) {
  const agent = builtinAgents().find((a) => a.name === name);
  if (!agent) throw new Error(`no agent ${name}`);
  const usage: UsageRecord[] = [];
  const context: AgentContext = {
    workspace,
    workflowId: 'agents-llm-test',
    runId: 'run-1',
    phase: name,
    attempt: 1,
    heartbeat: () => undefined,
    signal: new AbortController().signal,
    log: () => undefined,
    saveArtifact: () => Promise.reject(new Error('not used')),
    recordUsage: (record) => void usage.push(record),
    ...(llm && { llm }),
  };
  const output: Json = agent.output.parse(await agent.run(agent.input.parse(input), context));
  return { output, usage };
}

const read = (workspace: string, file: string) => readFile(path.join(workspace, file), 'utf8');
const answer = (value: unknown) =>
  chatCompletion(JSON.stringify(value), { prompt_tokens: 100, completion_tokens: 40 });

describe('built-in agents with an LLM (fake OpenAI-compatible server)', () => {
  let fake: FakeOpenAI;
  let llm: Llm;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
    llm = await llmFor({ OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: MODEL });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('api-spec asks for the fields, then writes and validates the document with them', async () => {
    fake.reply(
      answer({
        resources: [
          {
            resource: 'todos',
            fields: [
              { name: 'title', type: 'string', required: true, description: 'What to do' },
              { name: 'done', type: 'boolean', required: false },
              { name: 'priority', type: 'integer', required: false },
            ],
          },
        ],
      }),
    );
    const workspace = await tempDir();
    const { output, usage } = await run(
      llm,
      'api-spec',
      { service: 'todo', resources: 'todos,users' },
      workspace,
    );
    expect(output).toMatchObject({ valid: true, fieldsFrom: 'llm', resources: ['todos', 'users'] });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body.model).toBe(MODEL);
    expect(fake.requests[0]?.messages.at(-1)?.content).toContain('"todos", "users"');
    expect(usage).toEqual([{ model: `openai:${MODEL}`, inputTokens: 100, outputTokens: 40 }]);

    const spec = JSON.parse(await read(workspace, output.specPath));
    expect(Object.keys(spec.components.schemas.Todo.properties)).toEqual([
      'id',
      'title',
      'done',
      'priority',
      'createdAt',
      'updatedAt',
    ]);
    expect(spec.components.schemas.TodoInput.required).toEqual(['title']);
    expect(spec.components.schemas.Todo.properties.title.description).toBe('What to do');
    // A resource the LLM left out keeps the default fields.
    expect(Object.keys(spec.components.schemas.UserInput.properties)).toEqual(['name', 'description']);

    // The deterministic generator builds and tests a project from the LLM's fields.
    const code = await run(
      undefined,
      'codegen',
      { specPath: output.specPath, target: 'node-express' },
      workspace,
    );
    const build = await run(undefined, 'build', { target: 'node-express', dir: code.output.dir }, workspace);
    expect(build.output).toMatchObject({ compiled: true, tests: { passed: 8, failed: 0 } });
  });

  it('api-spec has the LLM read the requirements: resources, fields and auth; unnamed credentials go', async () => {
    fake.reply(
      answer({
        resources: [
          {
            resource: 'books',
            fields: [
              { name: 'title', type: 'string', required: true },
              { name: 'pages', type: 'integer', required: false },
            ],
          },
          {
            resource: 'members',
            fields: [
              { name: 'name', type: 'string', required: true },
              { name: 'password', type: 'string', required: true },
            ],
          },
          {
            resource: 'loans',
            fields: [
              { name: 'bookId', type: 'string', required: true },
              { name: 'memberId', type: 'string', required: true },
            ],
          },
        ],
        auth: true,
      }),
    );
    const workspace = await tempDir();
    const requirements = 'A lending library: books, members and loans. Members sign in.';
    const { output } = await run(llm, 'api-spec', { requirements }, workspace);
    expect(output).toMatchObject({
      service: 'library-service',
      resources: ['books', 'members', 'loans'],
      fieldsFrom: 'llm',
      auth: true,
      authEndpoint: 'POST /auth/login',
      relations: [
        { resource: 'loans', to: 'books', field: 'bookId' },
        { resource: 'loans', to: 'members', field: 'memberId' },
      ],
      referenced: [],
    });
    expect(output.found.map((r: Json) => [r.name, r.from, r.fieldsFrom])).toEqual([
      ['books', 'llm', 'llm'],
      ['members', 'llm', 'llm'],
      ['loans', 'llm', 'llm'],
    ]);
    // The text never names a password: the field goes, and the output says so.
    expect(output.found[1].fields.map((f: Json) => f.name)).toEqual(['name']);
    expect(output.ignored).toContainEqual({
      words: 'members.password',
      why: 'the requirements do not name this field',
    });
    expect(fake.requests[0]?.messages.at(-1)?.content).toContain(requirements);
    const spec = JSON.parse(await read(workspace, output.specPath));
    expect(spec.paths).toHaveProperty(['/auth/login']);
    expect(spec.components.schemas.BookInput.properties.pages).toEqual({ type: 'integer' });
  });

  it('api-spec re-asks once when the fields do not fit, then fails as Agent.BadOutput', async () => {
    const bad = answer({
      resources: [{ resource: 'todos', fields: [{ name: 'class', type: 'string', required: true }] }],
    });
    fake.reply(bad, bad);
    await expect(
      run(llm, 'api-spec', { service: 'todo', resources: 'todos' }, await tempDir()),
    ).rejects.toMatchObject({
      type: 'Agent.BadOutput',
      nonRetryable: true,
    });
    expect(fake.requests).toHaveLength(2);
  });

  /** The deterministic handler for `resource`, as a sensible LLM might write it. */
  async function sensibleHandler(resource: string): Promise<string> {
    const workspace = await tempDir();
    const spec = await run(undefined, 'api-spec', { service: 'shop', resources: resource }, workspace);
    await run(undefined, 'codegen', { specPath: spec.output.specPath, target: 'node-express' }, workspace);
    const handler = await read(workspace, `app/src/handlers/${resource}.js`);
    return `// Written by the model.\n${handler}`;
  }

  it('codegen has the LLM write the implementation; the skeleton and tests stay, and the build passes', async () => {
    fake.reply(
      answer({ files: [{ path: 'src/handlers/orders.js', content: await sensibleHandler('orders') }] }),
    );
    const workspace = await tempDir();
    const spec = await run(undefined, 'api-spec', { service: 'shop', resources: 'orders' }, workspace);
    const { output, usage } = await run(
      llm,
      'codegen',
      { specPath: spec.output.specPath, target: 'node-express' },
      workspace,
    );
    expect(output.llmFiles).toEqual(['app/src/handlers/orders.js']);
    expect(output.files).toEqual(
      expect.arrayContaining(['app/package.json', 'app/src/app.js', 'app/test/orders.test.js']),
    );
    expect(await read(workspace, 'app/src/handlers/orders.js')).toMatch(/^\/\/ Written by the model\./);
    expect(usage).toHaveLength(1);

    const request = fake.requests[0]!;
    expect(request.body.model).toBe(MODEL);
    const prompt = request.messages.at(-1)?.content ?? '';
    expect(prompt).toContain('src/handlers/orders.js: the pure CRUD handlers of /orders');
    expect(prompt).toContain('--- test/orders.test.js ---');
    expect(prompt).toContain('"openapi": "3.0.3"');
    // The answer's schema only allows the implementation files.
    expect(request.messages[0]?.content).toContain('"enum":["src/handlers/orders.js"]');

    const build = await run(undefined, 'build', { target: 'node-express', dir: output.dir }, workspace);
    expect(build.output).toMatchObject({ compiled: true, tests: { passed: 4, failed: 0 } });
  });

  it.runIf(hasJavac)(
    'codegen for java-springboot: the LLM writes a repository that javac compiles and checks',
    async () => {
      const reference = await tempDir();
      const refSpec = await run(undefined, 'api-spec', { service: 'demo', resources: 'todos' }, reference);
      await run(
        undefined,
        'codegen',
        { specPath: refSpec.output.specPath, target: 'java-springboot' },
        reference,
      );
      const repository = 'src/main/java/com/example/demo/repository/TodoRepository.java';
      const content = `// Written by the model.\n${await read(reference, `app/${repository}`)}`;
      fake.reply(answer({ files: [{ path: repository, content }] }));

      const workspace = await tempDir();
      const spec = await run(undefined, 'api-spec', { service: 'demo', resources: 'todos' }, workspace);
      const { output } = await run(
        llm,
        'codegen',
        { specPath: spec.output.specPath, target: 'java-springboot' },
        workspace,
      );
      expect(output.llmFiles).toEqual([`app/${repository}`]);
      const schema = fake.requests[0]?.messages[0]?.content ?? '';
      expect(schema).toContain('model/Todo.java');
      expect(schema).toContain('controller/TodoController.java');
      expect(schema).not.toContain('RepositoryCheck.java"');
      const build = await run(undefined, 'build', { target: 'java-springboot' }, workspace);
      expect(build.output).toMatchObject({ compiled: true, tests: { failed: 0 } });
      expect(build.output.tests.passed).toBeGreaterThanOrEqual(10);
    },
  );

  it('codegen: code from the LLM that fails its tests fails the build', async () => {
    const broken = (await sensibleHandler('orders')).replace('status: 201', 'status: 200');
    fake.reply(answer({ files: [{ path: 'src/handlers/orders.js', content: broken }] }));
    const workspace = await tempDir();
    const spec = await run(undefined, 'api-spec', { service: 'shop', resources: 'orders' }, workspace);
    await run(llm, 'codegen', { specPath: spec.output.specPath, target: 'node-express' }, workspace);
    await expect(run(undefined, 'build', { target: 'node-express' }, workspace)).rejects.toMatchObject({
      type: 'Agent.BuildFailed',
    });
  });

  it.each([
    ['outside the project', '../escape.js'],
    ['outside the layout', 'package.json'],
  ])('codegen: a file %s is Agent.BadOutput, after one re-ask', async (_what, file) => {
    const bad = answer({ files: [{ path: file, content: 'export {};\n' }] });
    fake.reply(bad, bad);
    const workspace = await tempDir();
    const spec = await run(undefined, 'api-spec', { service: 'shop', resources: 'orders' }, workspace);
    await expect(
      run(llm, 'codegen', { specPath: spec.output.specPath, target: 'node-express' }, workspace),
    ).rejects.toMatchObject({
      type: 'Agent.BadOutput',
      nonRetryable: true,
      message: expect.stringContaining(`"${file}" is outside the allowed layout`),
    });
    expect(fake.requests).toHaveLength(2);
    // The re-ask told the model what was wrong.
    expect(fake.requests[1]?.messages.at(-1)?.content).toContain('src/handlers/orders.js');
    await expect(read(workspace, 'escape.js')).rejects.toThrow();
    await expect(read(workspace, 'app/package.json')).rejects.toThrow();
  });

  it('review adds the LLM findings to the static ones, marked source llm', async () => {
    const workspace = await tempDir();
    await mkdir(path.join(workspace, 'src'), { recursive: true });
    await writeFile(
      path.join(workspace, 'src/math.ts'),
      'export function average(values: number[]): number {\n  return values.reduce((a, b) => a + b) / values.length;\n}\n' +
        "export const bad: number = 'x';\n",
    );
    fake.reply(
      answer({
        findings: [
          {
            file: 'src/math.ts',
            line: 2,
            severity: 'warning',
            message: 'reduce without an initial value throws on []',
          },
          { file: 'src/elsewhere.ts', severity: 'error', message: 'a file that was not reviewed' },
        ],
      }),
    );
    const { output, usage } = await run(llm, 'review', { files: ['src/math.ts'] }, workspace);
    expect(output.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'typescript', rule: 'ts2322', line: 4, severity: 'error' }),
        {
          file: 'src/math.ts',
          line: 2,
          severity: 'warning',
          rule: 'llm',
          message: 'reduce without an initial value throws on []',
          source: 'llm',
        },
      ]),
    );
    expect(output.findings.some((f: Json) => f.file === 'src/elsewhere.ts')).toBe(false);
    expect(output).toMatchObject({ errors: 1, warnings: 1, passed: false });
    expect(usage).toHaveLength(1);
    const prompt = fake.requests[0]?.messages.at(-1)?.content ?? '';
    expect(prompt).toContain('--- src/math.ts ---');
    expect(prompt).toContain('   2|   return values.reduce');
    // The model is told what static checks already found.
    expect(prompt).toMatch(/src\/math\.ts:4 \[error\] Type 'string' is not assignable/);
  });

  it('an agent whose model is set to "none" stays deterministic and sends nothing', async () => {
    const off = await llmFor({
      OPENAI_BASE_URL: fake.baseUrl,
      BATON_MODEL: MODEL,
      BATON_MODEL_CODEGEN: 'none',
    });
    const workspace = await tempDir();
    const spec = await run(undefined, 'api-spec', { service: 'shop', resources: 'orders' }, workspace);
    const { output, usage } = await run(
      off,
      'codegen',
      { specPath: spec.output.specPath, target: 'node-express' },
      workspace,
    );
    expect(output.llmFiles).toEqual([]);
    expect(usage).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });
});
