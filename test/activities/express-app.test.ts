import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { agentContext } from '../helpers/agent-context';
import { waitFor } from '../helpers/env';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const agents = new Map(builtinAgents().map((a) => [a.name, a]));
async function run(name: string, input: unknown, workspace: string): Promise<Record<string, unknown>> {
  const agent = agents.get(name)!;
  return agent.output.parse(await agent.run(agent.input.parse(input), agentContext(workspace))) as Record<
    string,
    unknown
  >;
}

/** Generates the Express app offline and starts it as a real process on a free loopback port. */
async function startGeneratedApp() {
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'baton-express-'));
  dirs.push(workspace);
  const spec = await run('api-spec', { service: 'todo-service', resources: 'todos' }, workspace);
  const code = await run('codegen', { specPath: spec.specPath, target: 'node-express' }, workspace);
  const app = path.join(workspace, code.dir as string);
  // The generated package depends on express; Baton's own dev dependency stands in for `npm install`.
  await symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
  const entry = path.relative(String(code.dir), String(code.entry));
  const child = spawn(process.execPath, [entry], {
    cwd: app,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const line = await waitFor(
    async () => out,
    (text) => /listening on http:\/\/127\.0\.0\.1:\d+/.test(text),
    15_000,
  );
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
  const doc = JSON.parse(await readFile(path.join(workspace, spec.specPath as string), 'utf8'));
  return { url, doc };
}

describe('the generated Express app', () => {
  it("answers a malformed JSON body with the spec's 400 Error body", async () => {
    const { url, doc } = await startGeneratedApp();
    const response = await fetch(`${url}/todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{bad',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    // The shape the spec declares for 400: components.responses.BadRequest → Error { message }.
    const error = doc.components.schemas.Error;
    expect(error.required).toEqual(['message']);
    expect(Object.keys(body)).toEqual(['message']);
    expect(body.message).toMatch(/^body is not valid JSON: /);

    const put = await fetch(`${url}/todos/1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '[1,',
    });
    expect(put.status).toBe(400);

    // A well-formed body still works, and an unknown route answers JSON too.
    const created = await fetch(`${url}/todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'write tests' }),
    });
    expect(created.status).toBe(201);
    const missing = await fetch(`${url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'no route for GET /nowhere' });
  }, 30_000);
});
