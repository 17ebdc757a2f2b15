import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { singular } from '../../src/activities/agents/spec/naming';
import { agentContext, failureOf } from '../helpers/agent-context';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('singular', () => {
  it.each([
    ['todos', 'todo'],
    ['users', 'user'],
    ['categories', 'category'],
    ['inventories', 'inventory'],
    ['addresses', 'address'],
    ['statuses', 'status'],
    ['buses', 'bus'],
    ['databases', 'database'],
    ['responses', 'response'],
    ['cases', 'case'],
    ['analyses', 'analysis'],
    ['boxes', 'box'],
    ['quizzes', 'quiz'],
    ['wolves', 'wolf'],
    ['news', 'news'],
    ['series', 'series'],
    ['species', 'species'],
    ['people', 'person'],
    ['children', 'child'],
    ['men', 'man'],
    ['mice', 'mouse'],
    ['indices', 'index'],
    ['cookies', 'cookie'],
    ['movies', 'movie'],
    ['data', 'data'],
    ['metadata', 'metadata'],
    ['feedback', 'feedback'],
    ['status', 'status'],
    ['order-items', 'order-item'],
    ['user-categories', 'user-category'],
    ['team-people', 'team-person'],
    ['line_items', 'line_item'],
  ])('%s → %s', (plural, one) => {
    expect(singular(plural)).toBe(one);
  });
});

describe('api-spec and codegen agree on names', () => {
  const agents = new Map(builtinAgents().map((a) => [a.name, a]));
  async function run(name: string, input: unknown, workspace: string) {
    const agent = agents.get(name)!;
    return agent.output.parse(await agent.run(agent.input.parse(input), agentContext(workspace))) as Record<
      string,
      unknown
    >;
  }

  it('names the schemas and handlers of irregular plurals in the singular', async () => {
    const workspace = await mkdtemp(path.join(os.tmpdir(), 'baton-naming-'));
    dirs.push(workspace);
    const spec = await run(
      'api-spec',
      { service: 'shop', resources: 'categories,people,statuses,news' },
      workspace,
    );
    const doc = JSON.parse(await readFile(path.join(workspace, spec.specPath as string), 'utf8'));
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Category', 'Person', 'Status', 'News', 'PersonInput']),
    );
    expect(doc.paths['/people'].post.operationId).toBe('createPerson');
    await run('codegen', { specPath: spec.specPath, target: 'node-express' }, workspace);
    const handler = await readFile(path.join(workspace, 'app/src/handlers/people.js'), 'utf8');
    expect(handler).toContain('person ${id} not found');
  });

  it('refuses two resources that name one schema', async () => {
    const workspace = await mkdtemp(path.join(os.tmpdir(), 'baton-naming-'));
    dirs.push(workspace);
    const failure = await failureOf(
      run('api-spec', { service: 'hr', resources: 'people,persons' }, workspace),
    );
    expect(failure.message).toContain('resources "people" and "persons" both map to schema "Person"');
  });
});
