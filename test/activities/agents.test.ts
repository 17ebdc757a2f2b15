import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AgentContext } from '../../src/activities/agents/agent';
import { builtinAgents } from '../../src/activities/agents';
import { validateOpenApi } from '../../src/activities/agents/spec/openapi';
import { bindInput } from '../../src/shared/binding';
import { formatProblems, validateDefinition } from '../../src/shared/validate';
import { agentContext } from '../helpers/agent-context';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const agents = new Map(builtinAgents().map((agent) => [agent.name, agent]));
const hasJavac = spawnSync('javac', ['-version']).status === 0;
const created: string[] = [];

afterAll(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshWorkspace(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-agents-'));
  created.push(dir);
  return dir;
}

let heartbeats = 0;

function contextFor(workspace: string, phase: string, signal = new AbortController().signal): AgentContext {
  return agentContext(workspace, {
    workflowId: 'agents-test',
    phase,
    signal,
    heartbeat: () => void heartbeats++,
  });
}

// Outputs are plain JSON, so tests read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Runs one agent the way the runAgent activity does: parse input, run, parse output. */
async function runAgent(
  name: string,
  input: unknown,
  workspace: string,
  signal?: AbortSignal,
): Promise<Json> {
  const agent = agents.get(name);
  if (!agent) throw new Error(`no agent ${name}`);
  const output = await agent.run(agent.input.parse(input), contextFor(workspace, name, signal));
  return agent.output.parse(output);
}

async function loadTemplate(name: string) {
  const raw: unknown = parse(await readFile(path.join(ROOT, 'templates', `${name}.yaml`), 'utf8'));
  const checked = validateDefinition(raw, {}, { agents: [...agents.keys()] });
  if (!checked.ok) throw new Error(`${name}:\n${formatProblems(checked.problems)}`);
  return checked;
}

/** Runs a template's phases in order, binding each input against params and earlier outputs. */
async function runTemplate(name: string) {
  const { definition, params } = await loadTemplate(name);
  const workspace = await freshWorkspace();
  const phases: Record<string, { output?: unknown; state?: string }> = {};
  for (const phase of definition.phases) {
    for (const need of phase.needs) expect(phases[need]?.state, `${phase.id} needs ${need}`).toBe('done');
    const input = bindInput(phase.input, { params, phases });
    const before = heartbeats;
    phases[phase.id] = { output: await runAgent(phase.agent as string, input, workspace), state: 'done' };
    expect(heartbeats, `${phase.id} heartbeats`).toBeGreaterThan(before);
  }
  const outputs = Object.fromEntries(Object.entries(phases).map(([id, phase]) => [id, phase.output])) as Json;
  return { workspace, outputs, definition };
}

const read = (workspace: string, file: string) => readFile(path.join(workspace, file), 'utf8');
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe('templates', () => {
  it.each(['node-express-api', 'java-springboot-api', 'sdlc'])(
    '%s validates against the built-in agents',
    async (name) => {
      const { definition } = await loadTemplate(name);
      expect(definition.name).toBe(name);
      expect(definition.description).not.toBe('');
      for (const spec of Object.values(definition.params)) expect(spec.description).toBeTruthy();
    },
  );

  it('builtinAgents names are unique', () => {
    expect(agents.size).toBe(builtinAgents().length);
    expect([...agents.keys()].sort()).toEqual([
      'api-spec',
      'backend-dev',
      'build',
      'codegen',
      'decompose',
      'dependency-audit',
      'deploy',
      'design',
      'diff-review',
      'dispatch-plan',
      'docs-writer',
      'frontend-dev',
      'issue-implement',
      'issue-plan',
      'issue-source',
      'merge-resolver',
      'pr-verdict',
      'pull-request',
      'requirements',
      'research',
      'review',
      'secret-scan',
      'security-lint',
      'security-report',
      'security-review',
      'synthesize',
      'test-writer',
    ]);
    const capable = [...agents.values()].filter((agent) => agent.llm === 'optional').map((a) => a.name);
    expect(capable.sort()).toEqual([
      'api-spec',
      'codegen',
      'decompose',
      'diff-review',
      'issue-plan',
      'merge-resolver',
      'review',
      'security-review',
      'synthesize',
    ]);
  });
});

describe('node-express-api, phase by phase', () => {
  it('writes a spec, generates an Express project, reviews it and runs its tests', async () => {
    const { workspace, outputs } = await runTemplate('node-express-api');

    const spec = JSON.parse(await read(workspace, outputs.spec.specPath));
    expect(outputs.spec).toMatchObject({
      specPath: 'spec/openapi.json',
      operations: 10,
      resources: ['todos', 'users'],
      valid: true,
      validator: '@readme/openapi-parser',
      fieldsFrom: 'requirements',
    });
    expect(spec.openapi).toMatch(/^3\.0\.\d+$/);
    expect(Object.keys(spec.paths)).toEqual(['/todos', '/todos/{id}', '/users', '/users/{id}']);
    expect(Object.keys(spec.paths['/todos/{id}'])).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
    expect(spec.components.schemas.Todo.properties).toHaveProperty('createdAt');

    expect(outputs.codegen).toMatchObject({
      target: 'node-express',
      entry: 'app/src/app.js',
      dir: 'app',
      llmFiles: [],
    });
    expect(outputs.codegen.files).toEqual(
      expect.arrayContaining(['app/package.json', 'app/src/handlers/todos.js', 'app/test/users.test.js']),
    );
    const pkg = JSON.parse(await read(workspace, 'app/package.json'));
    expect(pkg).toMatchObject({ type: 'module', dependencies: { express: expect.any(String) } });
    expect(await read(workspace, 'app/src/app.js')).toContain("import express from 'express'");
    expect(await read(workspace, 'app/src/handlers/todos.js')).not.toMatch(/express/);

    expect(outputs.review).toMatchObject({
      errors: 0,
      warnings: 0,
      passed: true,
      reportPath: 'reports/review.json',
    });
    expect(JSON.parse(await read(workspace, 'reports/review.json')).files).toHaveLength(
      outputs.codegen.files.length,
    );

    expect(outputs.build).toMatchObject({ compiled: true, notCompiled: [], tests: { failed: 0 } });
    expect(outputs.build.tests.passed).toBeGreaterThanOrEqual(8);
    expect(await read(workspace, outputs.build.logPath)).toMatch(/# pass \d+/);
  });

  it('is idempotent: re-running spec and codegen rewrites the same bytes and drops stale files', async () => {
    const workspace = await freshWorkspace();
    const digest = async (files: string[]) =>
      Promise.all(
        files.map(async (f) =>
          createHash('sha256')
            .update(await read(workspace, f))
            .digest('hex'),
        ),
      );
    const spec = await runAgent(
      'api-spec',
      { service: 'shop', resources: ['orders', 'order-items'] },
      workspace,
    );
    const first = await runAgent('codegen', { specPath: spec.specPath, target: 'node-express' }, workspace);
    const hashes = await digest(first.files);
    await runAgent('api-spec', { service: 'shop', resources: ['orders', 'order-items'] }, workspace);
    const second = await runAgent('codegen', { specPath: spec.specPath, target: 'node-express' }, workspace);
    expect(second.files).toEqual(first.files);
    expect(await digest(second.files)).toEqual(hashes);

    await runAgent('api-spec', { service: 'shop', resources: 'orders' }, workspace);
    const third = await runAgent('codegen', { specPath: spec.specPath, target: 'node-express' }, workspace);
    expect(third.files).not.toContain('app/test/order-items.test.js');
    expect(await exists(path.join(workspace, 'app/test/order-items.test.js'))).toBe(false);
    const build = await runAgent('build', { target: 'node-express', dir: third.dir }, workspace);
    expect(build.tests).toEqual({ passed: 4, failed: 0 });
  });
});

describe('java-springboot-api, phase by phase', () => {
  it('generates a Spring Boot project whose JDK-only classes compile and self-check', async () => {
    const { workspace, outputs } = await runTemplate('java-springboot-api');
    const main = 'app/src/main/java/com/example/todoservice';
    expect(outputs.codegen.entry).toBe(`${main}/Application.java`);
    expect(outputs.codegen.files).toEqual(
      expect.arrayContaining([
        'app/pom.xml',
        `${main}/model/Todo.java`,
        `${main}/repository/UserRepository.java`,
        `${main}/controller/TodoController.java`,
        'app/src/test/java/com/example/todoservice/TodoRepositoryCheck.java',
      ]),
    );
    expect(await read(workspace, 'app/pom.xml')).toContain(
      '<artifactId>spring-boot-starter-web</artifactId>',
    );
    expect(await read(workspace, `${main}/controller/TodoController.java`)).toContain('@RestController');
    expect(await read(workspace, `${main}/repository/TodoRepository.java`)).not.toContain('springframework');
    expect(outputs.review).toMatchObject({ errors: 0, warnings: 0, passed: true });

    const spring = [
      `${main}/Application.java`,
      `${main}/controller/TodoController.java`,
      `${main}/controller/UserController.java`,
    ];
    if (!hasJavac) {
      expect(outputs.build).toMatchObject({ compiled: false, reason: expect.stringContaining('javac') });
      return;
    }
    expect(outputs.build).toMatchObject({ compiled: true, tests: { failed: 0 } });
    expect(outputs.build.compiler).toMatch(/^javac /);
    expect(outputs.build.tests.passed).toBeGreaterThanOrEqual(20);
    expect([...outputs.build.notCompiled].sort()).toEqual(spring.sort());
    expect(outputs.build.reason).toMatch(
      /^needs Spring Boot on the classpath, and mvn package is turned off on this worker \(BATON_BUILD_MAVEN=0\)/,
    );
    const classes = path.join(workspace, 'app/build/classes/com/example/todoservice');
    expect(await exists(path.join(classes, 'repository/TodoRepository.class'))).toBe(true);
    expect(await exists(path.join(classes, 'TodoRepositoryCheck.class'))).toBe(true);
  }, 20_000);
});

describe('sdlc, phase by phase', () => {
  it('designs, implements, tests, reviews and packs a module', async () => {
    const { workspace, outputs } = await runTemplate('sdlc');
    expect(outputs.design).toMatchObject({ designPath: 'docs/DESIGN.md', module: 'text-utils' });
    expect(outputs.design.functions).toEqual(['slugify', 'wordCount', 'truncate']);
    expect(await read(workspace, 'docs/DESIGN.md')).toContain('slugify(text: string): string');
    expect(outputs.implement).toMatchObject({ target: 'node-module', entry: 'app/src/text-utils.js' });
    expect(outputs.test).toMatchObject({ compiled: true, tests: { passed: 3, failed: 0 } });
    expect(outputs.review.passed).toBe(true);

    expect(outputs.deploy).toMatchObject({
      environment: 'staging',
      manifestPath: 'deploy/staging/manifest.json',
    });
    const manifest = JSON.parse(await read(workspace, outputs.deploy.manifestPath));
    expect(manifest.files.map((f: Json) => f.path)).toEqual(['package.json', 'src/text-utils.js']);
    expect(outputs.deploy.files).toBe(2);
    for (const entry of manifest.files) {
      const content = await readFile(path.join(workspace, 'deploy/staging', entry.path));
      expect(entry.sha256).toBe(createHash('sha256').update(content).digest('hex'));
      expect(entry.bytes).toBe(content.length);
    }
    expect(outputs.deploy.bytes).toBe(manifest.totalBytes);
    const again = await runAgent('deploy', { dir: 'app' }, workspace);
    expect(again).toEqual(outputs.deploy);
  });
});

describe('review', () => {
  it('flags a planted TODO, a syntax error, a secret and Java structure problems', async () => {
    const workspace = await freshWorkspace();
    await mkdir(path.join(workspace, 'src/main/java/com/acme'), { recursive: true });
    await writeFile(path.join(workspace, 'src/bad.js'), '// TODO: finish this\nconst x = ;\n');
    await writeFile(path.join(workspace, 'src/config.js'), 'export const password = "hunter2hunter2";   \n');
    await writeFile(
      path.join(workspace, 'src/main/java/com/acme/Wrong.java'),
      'package com.other;\n\npublic class Right {\n    void f() {\n        String s = "}";\n}\n',
    );
    const result = await runAgent('review', { dir: 'src' }, workspace);
    const rules = result.findings.map((f: Json) => `${f.file}:${f.line ?? '-'}:${f.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'src/bad.js:1:todo',
        'src/bad.js:2:js-syntax',
        'src/config.js:1:hard-coded-secret',
        'src/config.js:1:trailing-whitespace',
        'src/main/java/com/acme/Wrong.java:1:java-package',
        'src/main/java/com/acme/Wrong.java:3:java-class-name',
        'src/main/java/com/acme/Wrong.java:3:java-braces',
      ]),
    );
    expect(result.findings.find((f: Json) => f.rule === 'js-syntax').message).toMatch(/SyntaxError/);
    expect(result).toMatchObject({ passed: false, errors: 5, warnings: 1 });
    expect(JSON.parse(await read(workspace, 'reports/review.json')).findings).toHaveLength(
      result.findings.length,
    );
  });

  it('reports TypeScript diagnostics and ESLint findings on planted files', async () => {
    const workspace = await freshWorkspace();
    await mkdir(path.join(workspace, 'src'), { recursive: true });
    await writeFile(
      path.join(workspace, 'src/typed.ts'),
      [
        'export function add(a: number, b: number): number {',
        '  return a + b;',
        '}',
        "export const total: number = add(1, '2');",
        'export function loose(value) {',
        '  const ignored: any = value;',
        '  return value;',
        '}',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(workspace, 'src/loose.js'),
      'const unused = 1;\nexport function f(a) {\n  return a ?? missingName;\n}\n',
    );
    const result = await runAgent('review', { dir: 'src' }, workspace);
    const report = JSON.parse(await read(workspace, 'reports/review.json'));
    const found = report.findings.map(
      (f: Json) => `${f.source} ${f.file}:${f.line ?? '-'} ${f.rule} ${f.severity}`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        // Argument of type 'string' is not assignable to parameter of type 'number'.
        'typescript src/typed.ts:4 ts2345 error',
        // Parameter 'value' implicitly has an 'any' type (strict by default).
        'typescript src/typed.ts:5 ts7006 error',
        'eslint src/typed.ts:6 eslint/@typescript-eslint/no-explicit-any warning',
        'eslint src/typed.ts:6 eslint/@typescript-eslint/no-unused-vars warning',
        'eslint src/loose.js:1 eslint/no-unused-vars warning',
        'eslint src/loose.js:3 eslint/no-undef error',
      ]),
    );
    const ts2345 = report.findings.find((f: Json) => f.rule === 'ts2345');
    expect(ts2345.message).toMatch(/'string' is not assignable to parameter of type 'number'/);
    expect(result.passed).toBe(false);
    expect(result.errors).toBe(report.findings.filter((f: Json) => f.severity === 'error').length);

    // The project's own tsconfig.json is honoured: without strict, the implicit any is fine.
    await writeFile(path.join(workspace, 'tsconfig.json'), '{ "compilerOptions": { "strict": false } }\n');
    const lax = await runAgent('review', { files: ['src/typed.ts'] }, workspace);
    const rules = lax.findings.map((f: Json) => f.rule);
    expect(rules).toContain('ts2345');
    expect(rules).not.toContain('ts7006');
  }, 30_000);

  it('refuses a file that is not in the workspace', async () => {
    const workspace = await freshWorkspace();
    await expect(runAgent('review', { files: ['missing.js'] }, workspace)).rejects.toMatchObject({
      type: 'Agent.BadInput',
      nonRetryable: true,
      message: expect.stringContaining('"missing.js"'),
    });
  });
});

describe('api-spec validation', () => {
  it('validates what it writes, and the library rejects a broken document naming the problem', async () => {
    const workspace = await freshWorkspace();
    const spec = await runAgent('api-spec', { service: 'shop', resources: 'orders' }, workspace);
    expect(spec).toMatchObject({ valid: true, validator: '@readme/openapi-parser' });
    const document = JSON.parse(await read(workspace, spec.specPath));
    await expect(validateOpenApi(document, spec.specPath)).resolves.toBeUndefined();

    // A path parameter that is never declared: valid JSON, valid shape, invalid OpenAPI.
    const undeclared = structuredClone(document);
    delete undeclared.paths['/orders/{id}'].parameters;
    await expect(validateOpenApi(undeclared, 'spec/broken.json')).rejects.toMatchObject({
      type: 'Agent.BadOutput',
      nonRetryable: true,
      message: expect.stringMatching(/spec\/broken\.json is not a valid OpenAPI 3 document[\s\S]*\{id\}/),
    });
    // A $ref to a schema that does not exist, and a missing info.version.
    const dangling = structuredClone(document);
    delete dangling.components.schemas.OrderInput;
    await expect(validateOpenApi(dangling, 'x.json')).rejects.toMatchObject({
      type: 'Agent.BadOutput',
      message: expect.stringContaining('#/components/schemas/OrderInput'),
    });
    const versionless = structuredClone(document);
    delete versionless.info.version;
    await expect(validateOpenApi(versionless, 'x.json')).rejects.toMatchObject({
      message: expect.stringContaining("required property 'version'"),
    });
    // The caller's document is left as it was (the validator dereferences a copy).
    expect(document.paths['/orders'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/OrderInput',
    });
  });
});

describe('build failures', () => {
  async function generated(target: 'node-express' | 'java-springboot') {
    const workspace = await freshWorkspace();
    const spec = await runAgent('api-spec', { service: 'demo', resources: 'todos' }, workspace);
    const code = await runAgent('codegen', { specPath: spec.specPath, target }, workspace);
    return { workspace, code };
  }

  it('throws Agent.BuildFailed when a generated test fails', async () => {
    const { workspace } = await generated('node-express');
    const test = path.join(workspace, 'app/test/todos.test.js');
    await writeFile(
      test,
      (await readFile(test, 'utf8')).replace('created.status, 201', 'created.status, 202'),
    );
    await expect(runAgent('build', { target: 'node-express' }, workspace)).rejects.toMatchObject({
      type: 'Agent.BuildFailed',
      nonRetryable: true,
      message: expect.stringMatching(/1 of 4 test\(s\) failed[\s\S]*not ok/),
    });
    expect(await read(workspace, 'reports/build.log')).toContain('BUILD FAILED');
  });

  it('throws Agent.BuildFailed when generated code does not parse', async () => {
    const { workspace } = await generated('node-express');
    await writeFile(path.join(workspace, 'app/src/handlers/todos.js'), 'export function list( {\n');
    await expect(runAgent('build', { target: 'node-express' }, workspace)).rejects.toMatchObject({
      type: 'Agent.BuildFailed',
      message: expect.stringContaining('src/handlers/todos.js'),
    });
  });

  it.skipIf(!hasJavac)(
    'throws Agent.BuildFailed when javac rejects a repository',
    async () => {
      const { workspace, code } = await generated('java-springboot');
      const repository = code.files.find((f: string) => f.endsWith('TodoRepository.java'));
      await writeFile(
        path.join(workspace, repository),
        (await read(workspace, repository)).replace('return null;', ''),
      );
      await expect(runAgent('build', { target: 'java-springboot' }, workspace)).rejects.toMatchObject({
        type: 'Agent.BuildFailed',
        message: expect.stringContaining('error:'),
      });
    },
    20_000,
  );

  it('stops when the activity is cancelled', async () => {
    const { workspace } = await generated('node-express');
    const controller = new AbortController();
    controller.abort(new Error('cancelled by test'));
    await expect(runAgent('build', { target: 'node-express' }, workspace, controller.signal)).rejects.toThrow(
      'cancelled by test',
    );
  });

  it('rejects bad input with Agent.BadInput naming the value', async () => {
    const workspace = await freshWorkspace();
    await expect(
      runAgent('api-spec', { service: 'x', resources: 'todos,Bad Name!' }, workspace),
    ).rejects.toMatchObject({
      type: 'Agent.BadInput',
      message: expect.stringContaining('"Bad Name!"'),
    });
    await expect(
      runAgent('api-spec', { service: 'x', resources: 'todos', outDir: '../escape' }, workspace),
    ).rejects.toMatchObject({
      type: 'Agent.BadInput',
      message: expect.stringContaining('"../escape"'),
    });
    await expect(
      runAgent('build', { target: 'node-express', dir: 'nowhere' }, workspace),
    ).rejects.toMatchObject({
      type: 'Agent.BadInput',
    });
  });
});
