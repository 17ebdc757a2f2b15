import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { validate } from '@readme/openapi-parser';
import { expectTidy, setup, show } from './helpers';

const pkg = (deps: Record<string, string>, extra: object = {}) =>
  `${JSON.stringify({ name: 'app', version: '1.0.0', ...extra, dependencies: deps }, null, 2)}\n`;

const doc = (paths: object) => ({
  openapi: '3.0.3',
  info: { title: 'svc', version: '1.0.0' },
  paths,
});
const op = (summary: string) => ({ summary, responses: { '200': { description: 'ok' } } });

describe('classified conflicts', () => {
  it('dependency: package.json keeps the higher compatible version and unites the rest', async () => {
    const env = await setup({ 'package.json': pkg({ express: '^4.18.0' }) });
    await env.task('api', { 'package.json': pkg({ express: '^4.19.2', pg: '^8.11.0' }) });
    await env.task('ui', { 'package.json': pkg({ express: '^4.18.3', react: '^18.2.0' }) });
    await env.merge('api');
    const result = await env.merge('ui');
    expect(result).toMatchObject({
      outcome: 'merged',
      conflicts: [{ class: 'dependency', strategy: 'highest-compatible', outcome: 'resolved' }],
    });
    expect(result.conflicts[0]?.detail).toContain('dependencies.express: kept ^4.19.2');
    expect(JSON.parse(show(env.worktree, 'package.json')).dependencies).toEqual({
      express: '^4.19.2',
      pg: '^8.11.0',
      react: '^18.2.0',
    });
    expectTidy(env.worktree);
  });

  it('dependency: incompatible majors go to a person; requirements.txt and pom.xml merge per entry', async () => {
    const env = await setup({ 'package.json': pkg({ express: '^4.18.0' }) });
    await env.task('api', { 'package.json': pkg({ express: '^5.0.0' }) });
    await env.task('ui', { 'package.json': pkg({ express: '^4.21.0' }) });
    await env.merge('api');
    const result = await env.merge('ui');
    expect(result).toMatchObject({
      outcome: 'conflict',
      conflicts: [{ class: 'dependency', outcome: 'pending' }],
    });
    expect(result.conflicts[0]?.detail).toMatch(/incompatible/);

    const pom = (deps: [string, string][]) =>
      `<project>\n  <dependencies>\n${deps
        .map(
          ([a, v]) =>
            `    <dependency>\n      <groupId>g</groupId>\n      <artifactId>${a}</artifactId>\n      <version>${v}</version>\n    </dependency>\n`,
        )
        .join('')}  </dependencies>\n</project>\n`;
    const py = await setup({
      'requirements.txt': 'flask==2.0.1\nrequests==2.28.0\n',
      'pom.xml': pom([['core', '1.0.0']]),
    });
    await py.task('api', {
      'requirements.txt': 'flask==2.3.0\nrequests==2.28.0\nsqlalchemy==2.0.1\n',
      'pom.xml': pom([
        ['core', '1.2.0'],
        ['db', '3.0.0'],
      ]),
    });
    await py.task('ui', {
      'requirements.txt': 'flask==2.1.0\nrequests==2.31.0\n',
      'pom.xml': pom([
        ['core', '1.1.0'],
        ['web', '2.0.0'],
      ]),
    });
    await py.merge('api');
    const merged = await py.merge('ui');
    expect(merged.outcome).toBe('merged');
    expect(merged.conflicts.map((c) => c.class)).toEqual(['dependency', 'dependency']);
    expect(show(py.worktree, 'requirements.txt')).toBe('flask==2.3.0\nrequests==2.31.0\nsqlalchemy==2.0.1');
    expect(show(py.worktree, 'pom.xml')).toBe(
      pom([
        ['core', '1.2.0'],
        ['db', '3.0.0'],
        ['web', '2.0.0'],
      ]).trimEnd(),
    );
  });

  it('api: latest-wins takes the later task for the same operation, unites the rest, and still validates', async () => {
    for (const file of ['openapi.json', 'openapi.yaml']) {
      const write = (d: object) =>
        file.endsWith('.json') ? `${JSON.stringify(d, null, 2)}\n` : stringifyYaml(d);
      const env = await setup({ [file]: write(doc({ '/users': { get: op('list') } })) });
      await env.task('api', {
        [file]: write(doc({ '/users': { get: op('list users (api)') }, '/orders': { get: op('orders') } })),
      });
      await env.task('ui', {
        [file]: write(doc({ '/users': { get: op('list users (ui)') }, '/carts': { post: op('cart') } })),
      });
      await env.merge('api');
      const result = await env.merge('ui');
      expect(result).toMatchObject({
        outcome: 'merged',
        conflicts: [{ class: 'api', strategy: 'latest-wins', outcome: 'resolved' }],
      });
      expect(result.conflicts[0]?.detail).toContain("GET /users: took ui's version");
      const text = show(env.worktree, file);
      const merged = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      expect(Object.keys(merged.paths).sort()).toEqual(['/carts', '/orders', '/users']);
      expect(merged.paths['/users'].get.summary).toBe('list users (ui)');
      expect((await validate(structuredClone(merged))).valid).toBe(true);
      expectTidy(env.worktree);
    }
  });

  it('api: a merged document that no longer validates goes to a person', async () => {
    const env = await setup({ 'openapi.json': JSON.stringify(doc({ '/a': { get: op('a') } }), null, 2) });
    await env.task('api', { 'openapi.json': JSON.stringify(doc({ '/a': { get: op('a1') } }), null, 2) });
    await env.task('ui', {
      'openapi.json': JSON.stringify(doc({ '/a': { get: { summary: 'no responses' } } }), null, 2),
    });
    await env.merge('api');
    const result = await env.merge('ui');
    expect(result).toMatchObject({ outcome: 'conflict', conflicts: [{ class: 'api', outcome: 'pending' }] });
    expect(result.conflicts[0]?.detail).toMatch(/not valid/);
  });

  it('naming: add/add keeps ours, prefixes the task, fixes its imports; past humanThreshold a person decides', async () => {
    const env = await setup();
    await env.task('api', { 'src/types.ts': 'export type User = { id: string };\n' });
    await env.task('ui', {
      'src/types.ts': 'export type Props = { title: string };\n',
      'src/view.ts': "import type { Props } from './types.js';\nexport const view = (p: Props) => p.title;\n",
      'src/deep/page.ts': "import { view } from '../view';\nimport type { Props } from '../types';\n",
    });
    await env.merge('api');
    const result = await env.merge('ui');
    expect(result).toMatchObject({
      outcome: 'merged',
      renames: 1,
      conflicts: [
        {
          class: 'naming',
          strategy: 'prefix-with-task',
          outcome: 'resolved',
          files: ['src/types.ts', 'src/ui-types.ts'],
        },
      ],
    });
    expect(result.conflicts[0]?.detail).toContain('fixed 2 imports');
    expect(show(env.worktree, 'src/types.ts')).toBe('export type User = { id: string };');
    expect(show(env.worktree, 'src/ui-types.ts')).toBe('export type Props = { title: string };');
    expect(show(env.worktree, 'src/view.ts')).toContain("from './ui-types.js'");
    expect(show(env.worktree, 'src/deep/page.ts')).toBe(
      "import { view } from '../view';\nimport type { Props } from '../ui-types';",
    );
    expectTidy(env.worktree);

    const over = await setup();
    await over.task('api', { 'a.js': 'a\n', 'b.js': 'b\n' });
    await over.task('ui', { 'a.js': 'A\n', 'b.js': 'B\n' });
    await over.merge('api');
    const refused = await over.merge('ui', { renames: 4, rules: { naming: { humanThreshold: 5 } } as never });
    expect(refused.outcome).toBe('conflict');
    expect(refused.conflicts.every((c) => c.class === 'naming' && c.outcome === 'pending')).toBe(true);
    expect(refused.conflicts[0]?.detail).toMatch(/6 renames in this pass would pass humanThreshold 5/);
    expect(refused.sides.map((s) => s.path)).toEqual(['a.js', 'b.js']);
  });
});
