import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configuredAgents } from '../../src/activities';
import type { Agent } from '../../src/activities/agents/agent';
import { findPrlimit, limitCommandAgents } from '../../src/activities/agents/specialist/limits';
import { createLlm, type Llm } from '../../src/activities/llm';
import { agentCatalog, type BatonConfig, loadConfig } from '../../src/config';
import { checkTasks, predictConflicts } from '../../src/shared/parallel';
import { validateDefinition, formatProblems } from '../../src/shared/validate';
import { agentContext, failureOf } from '../helpers/agent-context';
import { chatCompletion, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FEATURE = 'Add a books API with a web page listing books, and tests';
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-decompose-'));
  dirs.push(dir);
  return dir;
}

// Outputs are plain JSON, so tests read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function agentOf(name: string, config?: BatonConfig): Agent {
  const agent = configuredAgents(config).find((a) => a.name === name);
  if (!agent) throw new Error(`no agent ${name}`);
  return agent;
}

async function decompose(
  input: unknown,
  workspace: string,
  options: { config?: BatonConfig; llm?: Llm } = {},
) {
  const agent = agentOf('decompose', options.config);
  const context = agentContext(workspace, { phase: 'decompose', ...(options.llm && { llm: options.llm }) });
  return agent.output.parse(await agent.run(agent.input.parse(input), context)) as Json;
}

const read = (workspace: string, file: string) => readFile(path.join(workspace, file), 'utf8');

describe('decompose, offline', () => {
  it('splits the books feature by layer: the tasks, their files, agents and predicted conflicts', async () => {
    const workspace = await tempDir();
    const output = await decompose({ feature: FEATURE }, workspace);
    expect(output).toMatchObject({
      source: 'offline',
      dir: 'app',
      resource: 'books',
      layers: ['backend', 'frontend', 'tests'],
    });
    expect(
      output.tasks.map((t: Json) => ({
        id: t.id,
        specialist: t.specialist,
        agent: t.agent,
        needs: t.needs,
        paths: t.paths,
      })),
    ).toEqual([
      {
        id: 'backend',
        specialist: 'backend',
        agent: 'backend-dev',
        needs: [],
        paths: ['app/src/api/books.js', 'app/src/router.js', 'app/package.json'],
      },
      {
        id: 'frontend',
        specialist: 'frontend',
        agent: 'frontend-dev',
        needs: [],
        paths: ['app/src/pages/books.js', 'app/src/router.js', 'app/package.json'],
      },
      {
        id: 'tests',
        specialist: 'tests',
        agent: 'test-writer',
        needs: [],
        paths: ['app/test/books.test.js', 'app/package.json'],
      },
    ]);
    const [backend, frontend, tests] = output.tasks;
    expect(backend).toMatchObject({
      title: 'Books API',
      estimate: '2h',
      outputs: ['GET /api/books', 'GET /api/books/:id', 'POST /api/books'],
      locks: [],
      input: { feature: FEATURE, resource: 'books', dir: 'app', layers: ['backend', 'frontend', 'tests'] },
    });
    expect(frontend.inputs).toEqual(['GET /api/books']);
    expect(tests.inputs).toEqual([
      'GET /api/books',
      'GET /api/books/:id',
      'POST /api/books',
      'GET /books (HTML)',
    ]);

    // Valid for a parallel phase against the agents a worker registers, and the conflicts are recomputable.
    const checked = checkTasks(
      output.tasks,
      'tasks',
      configuredAgents().map((a) => a.name),
    );
    expect(checked.ok).toBe(true);
    expect(output.predictedConflicts).toEqual(predictConflicts(output.tasks));
    expect(output.predictedConflicts).toEqual([
      { tasks: ['backend', 'frontend'], paths: ['app/package.json', 'app/src/router.js'] },
      { tasks: ['backend', 'tests'], paths: ['app/package.json'] },
      { tasks: ['frontend', 'tests'], paths: ['app/package.json'] },
    ]);

    // It wrote the scaffold the tasks meet in, and the plan a person reads at the gate.
    expect(output.scaffolded).toEqual(['app/package.json', 'app/src/router.js', 'app/src/server.js']);
    expect(JSON.parse(await read(workspace, 'app/package.json'))).toMatchObject({
      dependencies: {},
      devDependencies: {},
    });
    const planText = await read(workspace, 'reports/plan.md');
    expect(planText).toContain('- backend × frontend: `app/package.json`, `app/src/router.js`');
  });

  it('is deterministic, and a second run over its own scaffold plans the same tasks', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const first = await decompose({ feature: FEATURE }, a);
    expect(await decompose({ feature: FEATURE }, b)).toEqual(first);
    const again = await decompose({ feature: FEATURE }, a);
    expect(again.tasks).toEqual(first.tasks);
    expect(again.scaffolded).toEqual([]);
  });

  it('takes only the layers the words call for, honours a specialists list, and reads the project', async () => {
    const workspace = await tempDir();
    const docs = await decompose({ feature: 'Document the authors endpoints in the README' }, workspace);
    expect(docs.tasks.map((t: Json) => t.id)).toEqual(['backend', 'docs']);
    expect(docs.resource).toBe('authors');

    const only = await decompose({ feature: FEATURE, specialists: ['backend', 'tests'] }, await tempDir());
    expect(only.tasks.map((t: Json) => t.id)).toEqual(['backend', 'tests']);
    expect(only.predictedConflicts).toEqual([{ tasks: ['backend', 'tests'], paths: ['app/package.json'] }]);

    const vague = await decompose({ feature: 'Make it better' }, await tempDir());
    expect(vague.tasks.map((t: Json) => t.id)).toEqual(['backend']);
    expect(vague.notes.join('\n')).toMatch(/names no specialist's skills; it goes to "backend"/);

    // An ES-module project at the root: the sources are .cjs there, and its package.json is kept.
    const esm = await tempDir();
    await writeFile(
      path.join(esm, 'package.json'),
      JSON.stringify({ name: 'shop', type: 'module' }, null, 2),
    );
    const planned = await decompose({ feature: 'A products API' }, esm);
    expect(planned.dir).toBe('.');
    expect(planned.tasks[0].paths).toEqual(['src/api/products.cjs', 'src/router.cjs', 'package.json']);
    expect(planned.scaffolded).toEqual(['src/router.cjs', 'src/server.cjs']);

    const unknown = await failureOf(
      decompose({ feature: FEATURE, specialists: ['mobile'] }, await tempDir()),
    );
    expect(unknown.type).toBe('Agent.BadInput');
    expect(unknown.message).toMatch(
      /"mobile" are not configured; configured: backend, frontend, tests, docs/,
    );
  });
});

describe('decompose with an LLM (fake OpenAI-compatible server)', () => {
  let fake: FakeOpenAI;
  let llm: Llm;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
    const env = { OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: 'fake-planner' };
    llm = createLlm(await loadConfig({ env, cwd: await tempDir() }), { env });
  });
  afterEach(async () => {
    await fake.close();
  });

  const task = (id: string, specialist: string, extra: Record<string, unknown> = {}) => ({
    id,
    title: `${id} work`,
    description: `Does the ${id} part.`,
    specialist,
    estimate: '1h',
    needs: [],
    inputs: [],
    outputs: [],
    paths: [`app/${id}.js`],
    locks: [],
    ...extra,
  });

  it("uses the model's plan, mapped to the specialists' agents", async () => {
    fake.reply(
      chatCompletion(
        JSON.stringify({
          tasks: [
            task('api', 'backend', { paths: ['app/src/api/books.js', 'app/package.json'] }),
            task('suite', 'tests', { needs: ['api'], paths: ['app/package.json'] }),
          ],
        }),
      ),
    );
    const output = await decompose({ feature: FEATURE }, await tempDir(), { llm });
    expect(output.source).toBe('llm');
    expect(output.tasks.map((t: Json) => [t.id, t.agent, t.needs])).toEqual([
      ['api', 'backend-dev', []],
      ['suite', 'test-writer', ['api']],
    ]);
    // A dependency between them: their shared package.json is no predicted conflict.
    expect(output.predictedConflicts).toEqual([]);
    expect(fake.requests).toHaveLength(1);
    const prompt = fake.requests[0]?.messages.map((m) => m.content).join('\n') ?? '';
    expect(prompt).toContain(FEATURE);
    expect(prompt).toContain('- backend: The HTTP API');
  });

  it('re-asks once with the problems, then falls back to the offline plan', async () => {
    fake.reply(
      chatCompletion(JSON.stringify({ tasks: [task('api', 'mobile')] })),
      chatCompletion(
        JSON.stringify({
          tasks: [task('a', 'backend', { needs: ['b'] }), task('b', 'tests', { needs: ['a'] })],
        }),
      ),
    );
    const output = await decompose({ feature: FEATURE }, await tempDir(), { llm });
    expect(fake.requests).toHaveLength(2);
    const reask = fake.requests[1]?.messages.at(-1)?.content ?? '';
    expect(reask).toMatch(/unknown specialist "mobile"; use one of backend, frontend, tests, docs/);
    expect(output.source).toBe('offline');
    expect(output.tasks.map((t: Json) => t.id)).toEqual(['backend', 'frontend', 'tests']);
    expect(output.notes[0]).toMatch(/The LLM's plan did not fit twice \(.*dependency cycle/);
  });
});

describe('the specialists config', () => {
  async function configFrom(yaml: string): Promise<BatonConfig> {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'baton.config.yaml'), yaml);
    return loadConfig({ cwd, env: {} });
  }

  it('maps a specialist to a command agent, merged over the built-ins, and adds new ones', async () => {
    const config = await configFrom(
      [
        'commandAgents:',
        '  coder: { command: "true" }',
        'specialists:',
        '  backend: { agent: coder }',
        '  mobile: { agent: coder, skills: [ios, android], description: The mobile app }',
      ].join('\n'),
    );
    expect(config.specialists?.backend).toMatchObject({
      agent: 'coder',
      skills: expect.arrayContaining(['api']),
    });
    expect(config.specialists?.frontend?.agent).toBe('frontend-dev');
    const output = await decompose({ feature: 'A books API and an android app' }, await tempDir(), {
      config,
    });
    expect(output.tasks.map((t: Json) => [t.id, t.agent])).toEqual([
      ['backend', 'coder'],
      ['mobile', 'coder'],
    ]);
    expect(output.tasks[0].input.prompt).toMatch(/^Books API: A JSON API for books/);
    expect(output.tasks[1]).toMatchObject({ paths: [], description: 'The mobile app' });
    // The catalog the client checks against still equals what the worker registers.
    expect(agentCatalog(config).names).toEqual(configuredAgents(config).map((a) => a.name));
  });

  it('refuses a specialist without an agent, an unknown agent, and unknown settings', async () => {
    await expect(configFrom('specialists:\n  mobile: { skills: [ios] }\n')).rejects.toThrow(
      /specialists\.mobile\.agent in baton\.config\.yaml: required for a specialist that is not built in/,
    );
    await expect(configFrom('specialists:\n  backend: { agent: nobody }\n')).rejects.toThrow(
      /specialists\.backend\.agent in baton\.config\.yaml: "nobody" is not an agent of this worker/,
    );
    await expect(configFrom('specialists:\n  backend: { limits: { cpu: 2 } }\n')).rejects.toThrow(
      /specialists\.backend\.limits\.cpu: unknown setting; allowed here: timeout, maxMemoryMb/,
    );
  });

  it("applies limits to a command agent's process: the timeout, and memory through prlimit", async () => {
    const specialists = { backend: { agent: 'shell', limits: { timeout: '2m', maxMemoryMb: 256 } } };
    const commandAgents = {
      shell: { command: 'sh', args: ['-c', 'ulimit -v'], timeout: '30m', failOnNonZero: true },
    };
    expect(limitCommandAgents(commandAgents, specialists, undefined).shell).toEqual({
      ...commandAgents.shell,
      timeout: 120_000,
    });
    const limited = limitCommandAgents(commandAgents, specialists, findPrlimit());
    if (limited.shell?.command === 'sh') return; // no prlimit on this machine: only the timeout applies
    const config = {
      providers: {},
      agents: {},
      agentModelEnv: {},
      prices: {},
      commandAgents,
      specialists,
    } as unknown as BatonConfig;
    const workspace = await tempDir();
    const shell = agentOf('shell', config);
    const result = (await shell.run(shell.input.parse({}), agentContext(workspace))) as Json;
    expect(result.stdout.trim()).toBe(String(256 * 1024)); // ulimit -v reports KiB
  });
});

describe('the feature templates', () => {
  it.each(['feature-parallel', 'hybrid-feature'])(
    '%s validates against the built-in agents',
    async (name) => {
      const raw = parse(await readFile(path.join(ROOT, 'templates', `${name}.yaml`), 'utf8'));
      const catalog = agentCatalog();
      const result = validateDefinition(
        raw,
        { feature: FEATURE },
        { agents: catalog.names, agentSchemas: catalog.schemas },
      );
      expect(result.ok, result.ok ? '' : formatProblems(result.problems)).toBe(true);
      if (!result.ok) return;
      const parallel = result.definition.phases.find((p) => p.parallel);
      expect(parallel?.parallel).toMatchObject({
        maxConcurrent: 3,
        taskTimeout: '30m',
        onTaskFailure: 'gate',
      });
      expect(parallel?.merge?.verify).toEqual({
        agent: 'build',
        input: { target: 'node-express', dir: 'app' },
      });
      expect(result.definition.phases.filter((p) => p.approval).length).toBeGreaterThanOrEqual(2);
    },
  );

  it('feature-parallel needs its feature', async () => {
    const raw = parse(await readFile(path.join(ROOT, 'templates', 'feature-parallel.yaml'), 'utf8'));
    const result = validateDefinition(raw, {});
    expect(result.ok).toBe(false);
  });
});
