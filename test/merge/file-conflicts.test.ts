import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeResolverAgent } from '../../src/activities/agents/resolver/agent';
import type { AgentContext } from '../../src/activities/agents/agent';
import { count, expectTidy, git, setup, show } from './helpers';

const BASE = { 'app.js': 'one\ntwo\nthree\n' };

/** Two tasks that edit the same line of app.js; `api` is merged first. */
async function sameLine() {
  const env = await setup(BASE);
  await env.task('api', { 'app.js': 'one\nTWO from api\nthree\n' });
  await env.task('ui', { 'app.js': 'one\ntwo from ui\nthree\n', 'ui.js': 'ui\n' });
  expect((await env.merge('api')).outcome).toBe('merged');
  return env;
}

const offline = { heartbeat: () => undefined, log: () => undefined } as unknown as AgentContext;

describe('file conflicts', () => {
  it('three-way with fallback human: a conflict with the three sides, and nothing changed', async () => {
    const { worktree, merge } = await sameLine();
    const head = git(worktree, 'rev-parse', 'HEAD');
    const result = await merge('ui');
    expect(result).toMatchObject({
      outcome: 'conflict',
      commit: head,
      conflicts: [
        { task: 'ui', class: 'file', files: ['app.js'], strategy: 'three-way', outcome: 'pending' },
      ],
      sides: [
        {
          path: 'app.js',
          class: 'file',
          base: BASE['app.js'],
          ours: 'one\nTWO from api\nthree\n',
          theirs: 'one\ntwo from ui\nthree\n',
        },
      ],
    });
    expect(git(worktree, 'rev-parse', 'HEAD')).toBe(head);
    expectTidy(worktree);
  });

  it('ours and theirs take a side; fallback ours keeps the clean hunks', async () => {
    const a = await sameLine();
    expect((await a.merge('ui', { rules: { file: { strategy: 'theirs' } } as never })).outcome).toBe(
      'merged',
    );
    expect(show(a.worktree, 'app.js')).toBe('one\ntwo from ui\nthree');
    expect(show(a.worktree, 'ui.js')).toBe('ui');
    expectTidy(a.worktree);

    const b = await sameLine();
    expect((await b.merge('ui', { rules: { file: { strategy: 'ours' } } as never })).outcome).toBe('merged');
    expect(show(b.worktree, 'app.js')).toBe('one\nTWO from api\nthree');

    const c = await setup({ 'app.js': 'one\ntwo\nthree\nfour\nfive\nsix\n' });
    await c.task('api', { 'app.js': 'one\nTWO\nthree\nfour\nfive\nsix\n' });
    await c.task('ui', { 'app.js': 'one\ntwo!\nthree\nfour\nfive\nSIX\n' });
    await c.merge('api');
    const result = await c.merge('ui', {
      rules: { file: { strategy: 'three-way', fallback: 'ours' } } as never,
    });
    expect(result.conflicts[0]).toMatchObject({ strategy: 'three-way', outcome: 'resolved' });
    expect(show(c.worktree, 'app.js')).toBe('one\nTWO\nthree\nfour\nfive\nSIX');
    expectTidy(c.worktree);
  });

  it('a resolution picks a task by id, or gives the content; bad ones are a problem', async () => {
    const a = await sameLine();
    const head = git(a.worktree, 'rev-parse', 'HEAD');
    const bad = await a.merge('ui', { resolutions: { 'nope.js': 'ui', 'app.js': 'someone' } });
    expect(bad.outcome).toBe('conflict');
    expect(bad.problem).toMatch(/"nope.js" is not in conflict; the conflicted files are "app.js"/);
    expect(bad.problem).toMatch(/"someone" is neither this task nor a merged one; give one of "ui", "api"/);
    expect(bad.sides.map((s) => s.path)).toEqual(['app.js']);
    expect(git(a.worktree, 'rev-parse', 'HEAD')).toBe(head);
    const byMarkers = await a.merge('ui', {
      resolutions: { 'app.js': { content: '<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n' } },
    });
    expect(byMarkers.problem).toMatch(/still holds conflict markers/);

    const byTask = await a.merge('ui', { resolutions: { 'app.js': 'ui' } });
    expect(byTask).toMatchObject({ outcome: 'merged', conflicts: [{ outcome: 'human', strategy: 'human' }] });
    expect(show(a.worktree, 'app.js')).toBe('one\ntwo from ui\nthree');
    expectTidy(a.worktree);

    const b = await sameLine();
    expect((await b.merge('ui', { resolutions: { 'app.js': 'api' } })).outcome).toBe('merged');
    expect(show(b.worktree, 'app.js')).toBe('one\nTWO from api\nthree');

    const c = await sameLine();
    expect(
      (await c.merge('ui', { resolutions: { 'app.js': { content: 'merged by hand\n' } } })).outcome,
    ).toBe('merged');
    expect(show(c.worktree, 'app.js')).toBe('merged by hand');
    expect(show(c.worktree, 'ui.js')).toBe('ui');
  });

  it("approve takes a person's commit in the integration worktree, and says what is missing until then", async () => {
    const { worktree, merge, tasks } = await sameLine();
    const branch = tasks.get('ui')!.branch;
    const untouched = await merge('ui', { acceptCommitted: true });
    expect(untouched).toMatchObject({ outcome: 'conflict' });
    expect(untouched.problem).toMatch(
      /HEAD does not contain the task's tip .*: run git merge baton\/run-1\/impl\/ui/,
    );

    expect(() => git(worktree, 'merge', '-q', branch)).toThrow();
    const midway = await merge('ui', { acceptCommitted: true });
    expect(midway.problem).toContain(`the worktree ${worktree} still has a merge in progress: commit it`);
    expect(midway.problem).toMatch(/uncommitted changes \(app.js/);

    await writeFile(join(worktree, 'app.js'), 'one\nboth\nthree\n');
    git(worktree, 'add', 'app.js');
    git(worktree, 'commit', '-q', '--no-edit');
    const before = count(worktree);
    const taken = await merge('ui', { acceptCommitted: true });
    expect(taken).toMatchObject({ outcome: 'merged', commit: git(worktree, 'rev-parse', 'HEAD') });
    expect(count(worktree)).toBe(before);
    expect(await readFile(join(worktree, 'app.js'), 'utf8')).toBe('one\nboth\nthree\n');
    expectTidy(worktree);
  });

  it('resolver: needs-resolver with the sides; markers from it go to a person; a real answer merges', async () => {
    const { worktree, merge } = await sameLine();
    const rules = { file: { strategy: 'resolver', resolver: 'merge-resolver' } } as never;
    const asked = await merge('ui', { rules });
    expect(asked).toMatchObject({
      outcome: 'needs-resolver',
      conflicts: [{ class: 'file', strategy: 'resolver', outcome: 'pending' }],
      sides: [{ path: 'app.js', ours: 'one\nTWO from api\nthree\n' }],
    });
    const markers = '<<<<<<< ours\nTWO from api\n=======\ntwo from ui\n>>>>>>> theirs\n';
    const failed = await merge('ui', { rules, resolverResolutions: { 'app.js': markers } });
    expect(failed).toMatchObject({
      outcome: 'conflict',
      conflicts: [
        {
          strategy: 'resolver',
          outcome: 'pending',
          detail: expect.stringMatching(/the resolver left conflict markers in app.js; fallback: human/),
        },
      ],
      sides: [{ path: 'app.js' }],
    });
    expect(failed.problem).toBeUndefined();
    // The resolver's answer through `resolutions`, as content: the same.
    expect(
      (await merge('ui', { rules, resolutions: { 'app.js': { content: markers } } })).conflicts[0]?.detail,
    ).toMatch(/markers/);

    const answer = await mergeResolverAgent.run({ task: 'ui', conflicts: asked.sides }, offline);
    expect(answer.resolutions['app.js']).toBe('one\nTWO from api\ntwo from ui\nthree\n');
    const done = await merge('ui', { rules, resolverResolutions: answer.resolutions });
    expect(done).toMatchObject({
      outcome: 'merged',
      conflicts: [{ strategy: 'resolver', outcome: 'resolved' }],
    });
    expect(show(worktree, 'app.js')).toBe('one\nTWO from api\ntwo from ui\nthree');
    expectTidy(worktree);
  });
});
