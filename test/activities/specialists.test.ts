import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import type { Agent } from '../../src/activities/agents/agent';
import { agentContext, failureOf } from '../helpers/agent-context';

const FEATURE = 'Add a books API with a web page listing books, and tests';
const agents = new Map(builtinAgents().map((a) => [a.name, a]));
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-specialists-'));
  dirs.push(dir);
  return dir;
}

// Outputs are plain JSON, so tests read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function run(name: string, input: unknown, workspace: string): Promise<Json> {
  const agent = agents.get(name) as Agent;
  return agent.output.parse(
    await agent.run(agent.input.parse(input), agentContext(workspace, { phase: name })),
  );
}

const read = (workspace: string, file: string) => readFile(path.join(workspace, file), 'utf8');
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

const taskInput = (layers: string[]) => ({ feature: FEATURE, resource: 'books', dir: 'app', layers });

describe('offline specialists', () => {
  it('each does its layer for real, on the scaffold decompose wrote, and a retry changes nothing', async () => {
    const workspace = await tempDir();
    await run('decompose', { feature: FEATURE }, workspace);
    const layers = ['backend', 'frontend', 'tests'];

    const backend = await run('backend-dev', taskInput(layers), workspace);
    expect(backend).toMatchObject({
      layer: 'backend',
      changed: ['app/package.json', 'app/src/api/books.js', 'app/src/router.js'],
      dependency: { section: 'dependencies', name: 'express', version: '^4.18.2' },
    });
    expect(await read(workspace, 'app/src/api/books.js')).toMatch(/pattern: \/\^\\\/api\\\/books\$\//);
    expect(await read(workspace, 'app/src/router.js')).toContain(
      "routes.push(...require('./api/books.js').routes);",
    );

    const frontend = await run('frontend-dev', taskInput(layers), workspace);
    expect(frontend.changed).toEqual(['app/package.json', 'app/src/pages/books.js', 'app/src/router.js']);
    expect(await read(workspace, 'app/src/pages/books.js')).toContain("fetch('/api/books')");

    const tests = await run('test-writer', taskInput(layers), workspace);
    expect(tests.changed).toEqual(['app/package.json', 'app/test/books.test.js']);
    const testFile = await read(workspace, 'app/test/books.test.js');
    expect(testFile).toContain("test('GET /api/books lists books'");
    expect(testFile).toContain("test('GET /books serves the page");

    const docs = await run('docs-writer', taskInput(layers), workspace);
    expect(docs).toMatchObject({ changed: ['app/docs/books.md'], files: ['app/docs/books.md'] });
    expect(docs.dependency).toBeUndefined();
    expect(await read(workspace, 'app/docs/books.md')).toContain('| GET | `/api/books` |');

    const pkg = JSON.parse(await read(workspace, 'app/package.json'));
    // Run one after the other here, the later express range wins; merged, highest-compatible decides.
    expect(pkg.dependencies).toEqual({ express: '^4.19.2' });
    expect(pkg.devDependencies).toEqual({ supertest: '^7.0.0' });

    // A retry in the same worktree finds its work done: nothing changes, the router line is there once.
    expect((await run('frontend-dev', taskInput(layers), workspace)).changed).toEqual([]);
    const router = await read(workspace, 'app/src/router.js');
    expect(router.split("require('./pages/books.js')").length - 1).toBe(1);

    // The project, with all layers in, builds and its tests pass for real.
    const build = await run('build', { target: 'node-express', dir: 'app' }, workspace);
    expect(build.tests).toEqual({ passed: 6, failed: 0 });
  });

  it('the test writer covers only the layers the plan has', async () => {
    const workspace = await tempDir();
    await run('decompose', { feature: 'A books API with tests' }, workspace);
    await run('test-writer', taskInput(['backend', 'tests']), workspace);
    const testFile = await read(workspace, 'app/test/books.test.js');
    expect(testFile).toContain('/api/books');
    expect(testFile).not.toContain('serves the page');
  });

  it('refuses to work without the scaffold, and names the fix', async () => {
    const workspace = await tempDir();
    const failure = await failureOf(run('backend-dev', taskInput(['backend']), workspace));
    expect(failure.type).toBe('Agent.BadInput');
    expect(failure.message).toMatch(/run the decompose phase first/);
    const bad = await failureOf(run('backend-dev', { ...taskInput([]), resource: 'Books!' }, workspace));
    expect(bad.message).toMatch(/resource "Books!" is not a resource name/);
  });
});

/** The dependency rule as the merge queue's default applies it: the higher of two compatible ranges. */
function highestCompatible(a: string, b: string): string {
  const parts = (range: string) =>
    range
      .replace(/^[\^~]/, '')
      .split('.')
      .map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  expect(pa[0]).toBe(pb[0]); // same major: compatible
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] as number) > (pb[i] as number) ? a : b;
  return a;
}

describe('the offline demo, merged with plain git', () => {
  it('meets one dependency conflict, merges the shared router three-way, and the merged tree builds', async () => {
    const repo = await tempDir();
    git(repo, 'init', '-q', '-b', 'main');
    await writeFile(path.join(repo, 'README.md'), '# demo\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'init');

    // The plan phase: decompose writes the scaffold and reports/plan.md; that commit is the tasks' base.
    const plan = await run('decompose', { feature: FEATURE }, repo);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'plan');
    const base = git(repo, 'rev-parse', 'HEAD');
    const trees = await tempDir();

    // Each task in its own worktree and branch from the same base, as the parallel phase runs them.
    for (const task of plan.tasks) {
      const tree = path.join(trees, task.id);
      git(repo, 'worktree', 'add', '-q', '-b', `task/${task.id}`, tree, base);
      const output = await run(task.agent, task.input, tree);
      // Every file a task changed was predicted in its paths.
      expect(task.paths).toEqual(expect.arrayContaining(output.changed));
      git(tree, 'add', '-A');
      git(tree, 'commit', '-qm', task.id);
    }

    // The merge queue, by hand: in dependency order (list order: no needs), one at a time.
    const conflicts: Record<string, string[]> = {};
    for (const task of plan.tasks) {
      try {
        git(repo, 'merge', '--no-ff', '-q', '-m', `merge ${task.id}`, `task/${task.id}`);
        conflicts[task.id] = [];
        continue;
      } catch {
        // a conflict: classify and resolve it below
      }
      const files = git(repo, 'diff', '--name-only', '--diff-filter=U').split('\n').filter(Boolean);
      conflicts[task.id] = files;
      expect(files).toEqual(['app/package.json']);
      // Only the dependency versions differ: everything else merges.
      const ours = JSON.parse(git(repo, 'show', ':2:app/package.json'));
      const theirs = JSON.parse(git(repo, 'show', ':3:app/package.json'));
      expect({ ...ours, dependencies: undefined }).toEqual({ ...theirs, dependencies: undefined });
      const merged = { ...ours, dependencies: { ...ours.dependencies } };
      for (const [name, version] of Object.entries(theirs.dependencies as Record<string, string>)) {
        const mine = ours.dependencies[name];
        merged.dependencies[name] = mine && mine !== version ? highestCompatible(mine, version) : version;
      }
      await writeFile(path.join(repo, 'app/package.json'), `${JSON.stringify(merged, null, 2)}\n`);
      git(repo, 'add', 'app/package.json');
      git(repo, 'commit', '-qm', `merge ${task.id} (dependency: highest-compatible)`);
    }
    expect(conflicts).toEqual({ backend: [], frontend: ['app/package.json'], tests: [] });
    expect(git(repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');

    const pkg = JSON.parse(await read(repo, 'app/package.json'));
    expect(pkg.dependencies).toEqual({ express: '^4.19.2' });
    expect(pkg.devDependencies).toEqual({ supertest: '^7.0.0' });
    const router = await read(repo, 'app/src/router.js');
    expect(router).toContain("require('./api/books.js')");
    expect(router).toContain("require('./pages/books.js')");
    expect(router).not.toMatch(/^[<=>]{7}/m);

    // verify: the build agent on the merged tree, offline (Node built-ins only, no install).
    for (const task of plan.tasks) git(repo, 'worktree', 'remove', '--force', path.join(trees, task.id));
    const build = await run('build', { target: 'node-express', dir: 'app' }, repo);
    expect(build).toMatchObject({ compiled: true, tests: { passed: 6, failed: 0 } });
  });
});
