import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceDirName, workspaceOf } from '../../src/activities/workspace';
import { definition, useWorker } from '../helpers/env';

const base = mkdtempSync(join(tmpdir(), 'baton-ws-ids-'));
const root = join(base, 'home', 'workspaces');
mkdirSync(root, { recursive: true });

/** A repository next to the workspace root, where `../../victim` used to land. */
const victim = join(base, 'victim');
mkdirSync(victim);
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=v@v', '-c', 'user.name=v', ...args], { cwd }).toString();
git(victim, 'init', '-q');
writeFileSync(join(victim, 'f'), 'x\n');
git(victim, 'add', '.');
git(victim, 'commit', '-qm', 'own');

const inside = (dir: string) => {
  const rel = relative(root, dir);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('workspaceDirName', () => {
  it.each([
    ['plain-id_1', 'plain-id_1'],
    ['v1.2', 'v1.2'],
    ['..', '%2E.'],
    ['.', '%2E'],
    ['.hidden', '%2Ehidden'],
    ['../../victim', '%2E.%2F..%2Fvictim'],
    ['/abs/path', '%2Fabs%2Fpath'],
    ['a\\b', 'a%5Cb'],
    ['100%', '100%25'],
    ['a b', 'a%20b'],
    ['é', '%C3%A9'],
    ['line\nbreak', 'line%0Abreak'],
  ])('encodes %j as %j', (id, name) => {
    expect(workspaceDirName(id)).toBe(name);
  });

  it('is injective: the escape character is escaped too', () => {
    const ids = ['a%2Fb', 'a/b', 'a%252Fb', '%2E.', '..', '.a', '%2Ea', 'a.', 'A', 'a'];
    const names = ids.map(workspaceDirName);
    expect(new Set(names).size).toBe(ids.length);
  });

  it('caps long ids with a prefix and a digest, under the 255-byte file-name limit', () => {
    const long = 'x'.repeat(900);
    const name = workspaceDirName(long);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
    expect(name).toMatch(/^x+~[0-9a-f]{64}$/);
    // Two long ids that share their first 900 characters still get two names.
    expect(workspaceDirName(`${long}a`)).not.toBe(workspaceDirName(`${long}b`));
    // A long id of escaped characters is cut before a partial %XX.
    expect(workspaceDirName('/'.repeat(300))).toMatch(/^(%2F)+~[0-9a-f]{64}$/);
  });

  it('refuses an empty id', () => {
    expect(() => workspaceDirName('')).toThrow(/empty/);
  });

  it('keys the workspace by workflow id and run id, inside the root', () => {
    expect(workspaceOf(root, '../../victim', 'r-1')).toBe(join(root, '%2E.%2F..%2Fvictim', 'r-1'));
    expect(workspaceOf(root, 'w', 'r-1')).not.toBe(workspaceOf(root, 'w', 'r-2'));
  });
});

describe('workflow ids that look like paths, started straight through Temporal', () => {
  const shared = useWorker({ prefix: 'ws-ids', workspaceRoot: root });

  async function run(workflowId: string, phase: string) {
    const handle = await shared.baton.client.workflow.start('pipeline', {
      taskQueue: shared.taskQueue,
      workflowId,
      args: [{ definition: definition([{ id: phase, agent: 'echo', input: { from: phase } }]), params: {} }],
    });
    const summary = (await handle.result()) as { state: string };
    expect(summary.state).toBe('completed');
    return workspaceOf(root, workflowId, handle.firstExecutionRunId);
  }

  it.each([
    ['../../victim', '../../victim'],
    ['..', '..'],
    ['/abs/path', '/abs/path'],
    ['890 characters, then /../..', `${'y'.repeat(890)}/../..`],
  ])('never writes outside the workspace root (id %s)', async (_label, workflowId) => {
    const workspace = await run(workflowId, 'work');
    expect(inside(workspace)).toBe(true);
    expect(await exists(join(workspace, 'work.json'))).toBe(true);
    expect(git(victim, 'log', '--format=%s').trim()).toBe('own');
    expect(await exists(join(base, 'home', '.git'))).toBe(false);
    expect(await exists(join(root, '.git'))).toBe(false);
    // Only the worker's artifact store and encoded names: nothing hidden, nothing climbing out.
    for (const name of await readdir(root)) {
      if (name !== '.artifacts') expect(name).toMatch(/^[A-Za-z0-9_%-][A-Za-z0-9_.%~-]*$/);
    }
  });

  it('gives a reused workflow id a fresh workspace', async () => {
    const id = `reused-${Date.now()}`;
    const first = await run(id, 'first');
    const second = await run(id, 'second');
    expect(second).not.toBe(first);
    expect(await readdir(first)).toContain('first.json');
    const files = await readdir(second);
    expect(files).toContain('second.json');
    expect(files).not.toContain('first.json');
    expect(git(second, 'log', '--format=%s')).not.toContain('first');
  });
});
