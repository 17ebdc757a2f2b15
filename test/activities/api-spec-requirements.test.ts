import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { requirementsLines } from '../../src/client/cli/requirements-format';
import { agentContext, failureOf } from '../helpers/agent-context';

const hasJavac = spawnSync('javac', ['-version']).status === 0;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function workspace(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-api-spec-'));
  dirs.push(dir);
  return dir;
}

// Outputs are plain JSON, so tests read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function run(name: string, input: unknown, dir: string): Promise<Json> {
  const agent = builtinAgents().find((a) => a.name === name)!;
  return agent.output.parse(await agent.run(agent.input.parse(input), agentContext(dir)));
}

const LIBRARY =
  'A REST API for a library: books (title, isbn, published date) and authors; a loan links a book to a member and has a due date. It needs a login.';

describe('api-spec from requirements, offline', () => {
  it('writes the resources, fields, relations and login the text names, and says where each came from', async () => {
    const dir = await workspace();
    const out = await run('api-spec', { requirements: LIBRARY }, dir);
    expect(out).toMatchObject({
      service: 'library-service',
      serviceFrom: 'requirements',
      resources: ['books', 'authors', 'loans'],
      fieldsFrom: 'requirements',
      auth: true,
      authEndpoint: 'POST /auth/login',
      operations: 16,
      requirementsPath: 'spec/REQUIREMENTS.md',
      relations: [
        { resource: 'loans', to: 'books', field: 'bookId' },
        { resource: 'loans', to: 'members', field: 'memberId' },
      ],
      referenced: [{ name: 'members', by: 'loans' }],
    });
    const authors = out.found.find((r: Json) => r.name === 'authors');
    expect(authors).toMatchObject({ from: 'requirements', fieldsFrom: 'default' });
    const books = out.found.find((r: Json) => r.name === 'books');
    expect(books.fields).toEqual([
      { name: 'title', type: 'string', required: true, from: 'requirements', words: 'title' },
      { name: 'isbn', type: 'string', required: false, from: 'requirements', words: 'isbn' },
      {
        name: 'publishedDate',
        type: 'string',
        format: 'date',
        required: false,
        from: 'requirements',
        words: 'published date',
      },
    ]);

    const spec = JSON.parse(await readFile(path.join(dir, out.specPath), 'utf8'));
    expect(spec.info.title).toBe('library-service');
    expect(Object.keys(spec.components.schemas.LoanInput.properties)).toEqual([
      'bookId',
      'memberId',
      'dueDate',
    ]);
    expect(spec.components.schemas.Book.properties.publishedDate).toEqual({ type: 'string', format: 'date' });
    expect(spec.paths['/auth/login'].post.responses).toHaveProperty('401');
    expect(spec.paths['/auth/login'].post.responses).toHaveProperty('200');
    // No users resource: the login does not invent one, nor credential fields.
    expect(spec.components.schemas).not.toHaveProperty('User');

    const report = await readFile(path.join(dir, out.requirementsPath), 'utf8');
    expect(report).toContain('### /loans (from requirements; fields from requirements)');
    expect(report).toContain('`POST /auth/login` (from "login")');
    expect(report).toContain('- members (by loans: "a loan links a book to a member")');
  });

  it('takes resources as an override: their fields from the text, the rest listed as ignored', async () => {
    const dir = await workspace();
    const out = await run(
      'api-spec',
      { requirements: LIBRARY, resources: 'books,shelves', service: 'lib' },
      dir,
    );
    expect(out).toMatchObject({ service: 'lib', serviceFrom: 'override', resources: ['books', 'shelves'] });
    expect(out.found.map((r: Json) => [r.name, r.from, r.fieldsFrom])).toEqual([
      ['books', 'override', 'requirements'],
      ['shelves', 'override', 'default'],
    ]);
    expect(out.ignored).toEqual(
      expect.arrayContaining([
        { words: 'authors', why: 'resource "authors" is not among the resources given' },
      ]),
    );
  });

  it('refuses an input with neither requirements nor resources, naming both', async () => {
    const failure = await failureOf(run('api-spec', { service: 'x', resources: '' }, await workspace()));
    expect(failure).toMatchObject({ type: 'Agent.BadInput', nonRetryable: true });
    expect(failure.message).toMatch(/needs requirements or resources.*pass requirements .* or resources/);
  });

  it('refuses requirements it can read no resource from, and says what it ignored', async () => {
    const failure = await failureOf(run('api-spec', { requirements: 'Something fast.' }, await workspace()));
    expect(failure.message).toMatch(/name no resource.*pass resources.*ignored: "something fast"/);
  });

  it('generates a login handler whose tests pass (node-express), and a checked AuthService (java)', async () => {
    const dir = await workspace();
    const spec = await run('api-spec', { requirements: 'user management with roles and login' }, dir);
    expect(spec).toMatchObject({ resources: ['users', 'roles'], auth: true, service: 'user-service' });
    const code = await run('codegen', { specPath: spec.specPath, target: 'node-express' }, dir);
    expect(code.files).toEqual(expect.arrayContaining(['app/src/auth.js', 'app/test/auth.test.js']));
    const app = await readFile(path.join(dir, 'app/src/app.js'), 'utf8');
    expect(app).toContain("app.post('/auth/login'");
    const build = await run('build', { target: 'node-express', dir: code.dir }, dir);
    // 4 tests per resource and 3 for the login.
    expect(build.tests).toEqual({ passed: 11, failed: 0 });

    const java = await run(
      'codegen',
      { specPath: spec.specPath, target: 'java-springboot', outDir: 'java' },
      dir,
    );
    const main = 'java/src/main/java/com/example/userservice';
    expect(java.files).toEqual(
      expect.arrayContaining([`${main}/auth/AuthService.java`, `${main}/auth/AuthController.java`]),
    );
    if (!hasJavac) return;
    const built = await run('build', { target: 'java-springboot', dir: 'java' }, dir);
    expect(built).toMatchObject({ compiled: true, tests: { failed: 0 } });
    expect(built.notCompiled).toContain(`${main}/auth/AuthController.java`);
    expect(await readFile(path.join(dir, built.logPath), 'utf8')).toContain(
      'ok - a wrong password gets no token (401)',
    );
  }, 60_000);
});

describe('the spec gate', () => {
  it('shows what was read, and how to correct it', async () => {
    const out = await run('api-spec', { requirements: LIBRARY }, await workspace());
    const text = requirementsLines(out, 'run-1', 'spec').join('\n');
    expect(text).toContain(
      '/books (requirements; fields requirements): title*: string, isbn: string, publishedDate: date',
    );
    expect(text).toContain('auth: POST /auth/login');
    expect(text).toContain('referenced only: members (by loans)');
    expect(text).toContain('modify run-1 spec --set resources=books,authors,loans');
    expect(text).toContain('--set requirements="…"');
    expect(requirementsLines({ predictedConflicts: [] }, 'run-1', 'plan')).toEqual([]);
  });
});
