import { describe, expect, it } from 'vitest';
import {
  checkTasks,
  dependencyOrder,
  pathsOverlap,
  predictConflicts,
  TaskSchema,
} from '../../src/shared/parallel';
import { validateDefinition, type Problem } from '../../src/shared/validate';

const agents = ['echo', 'review'];
function problemsOf(raw: unknown): Problem[] {
  const checked = validateDefinition(raw, {}, { agents });
  if (checked.ok) throw new Error('expected the definition to be refused');
  return checked.problems;
}

describe('a parallel phase is checked before it runs', () => {
  it('lists every problem of a literal task list at once, each naming the task and field', () => {
    const problems = problemsOf({
      name: 'p',
      phases: [
        {
          id: 'work',
          parallel: {
            tasks: [
              { id: 'a', agent: 'echo', needs: ['c'] },
              { id: 'a', agent: 'wizard' },
              { id: 'b', agent: 'echo', needs: ['ghost'], colour: 'red' },
              { id: 'c', agent: 'echo', needs: ['a'] },
            ],
            taskTimeout: 'soon',
          },
        },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'phases[work].parallel.tasks[b]',
          message: expect.stringMatching(/unknown field\(s\) "colour"/),
        }),
        { path: 'phases[work].parallel.tasks[a].id', message: 'duplicate task id "a"' },
        {
          path: 'phases[work].parallel.tasks[a].agent',
          message: 'unknown agent "wizard"; known agents: echo, review',
        },
        expect.objectContaining({ path: 'phases[work].parallel.taskTimeout' }),
      ]),
    );
    // Once the shape is right, needs and cycles are reported too.
    const shaped = problemsOf({
      name: 'p',
      phases: [
        {
          id: 'work',
          parallel: {
            tasks: [
              { id: 'a', agent: 'echo', needs: ['c'] },
              { id: 'b', agent: 'echo', needs: ['ghost'] },
              { id: 'c', agent: 'echo', needs: ['a'] },
            ],
          },
        },
      ],
    });
    expect(shaped.map((p) => p.path)).toEqual([
      'phases[work].parallel.tasks[b].needs[0]',
      'phases[work].parallel.tasks[a].needs',
    ]);
    expect(shaped[1]!.message).toBe('dependency cycle: a → c → a');
  });

  it('refuses a phase with both agent and parallel, merge without parallel, and a task list that is neither list nor binding', () => {
    const problems = problemsOf({
      name: 'p',
      phases: [
        { id: 'both', agent: 'echo', parallel: { tasks: [{ id: 'a', agent: 'echo' }] } },
        { id: 'lone', agent: 'echo', merge: { strategy: 'squash' } },
        { id: 'text', parallel: { tasks: 'backend and frontend' } },
        { id: 'unbound', parallel: { tasks: '${phases.plan.output.tasks}' } },
        { id: 'none' },
      ],
    });
    const at = (path: string) => problems.find((p) => p.path === path)?.message;
    expect(at('phases[both].parallel')).toMatch(/either agent or parallel/);
    expect(at('phases[lone].merge')).toMatch(/merge settings need parallel/);
    expect(at('phases[text].parallel.tasks')).toMatch(/neither a list of tasks nor one binding/);
    expect(at('phases[unbound].parallel.tasks')).toMatch(/binds the output of "plan", which is not defined/);
    expect(at('phases[none].agent')).toMatch(/names an agent .* or has parallel/);
  });

  it('accepts a bound task list from a phase it needs, with the merge defaults', () => {
    const checked = validateDefinition(
      {
        name: 'p',
        phases: [
          { id: 'plan', agent: 'echo' },
          { id: 'work', needs: ['plan'], parallel: { tasks: '${phases.plan.output.tasks}' } },
        ],
      },
      {},
      { agents },
    );
    expect(checked.ok).toBe(true);
  });
});

describe('task helpers', () => {
  const task = (id: string, paths: string[], needs: string[] = []) =>
    TaskSchema.parse({ id, agent: 'echo', paths, needs });

  it('predicts conflicts between tasks whose paths overlap with no order between them', () => {
    const tasks = [
      task('api', ['src/routes/', 'package.json']),
      task('ui', ['src/routes/index.ts', 'web/**']),
      task('tests', ['package.json'], ['api']),
      task('docs', ['docs/']),
    ];
    expect(predictConflicts(tasks)).toEqual([{ tasks: ['api', 'ui'], paths: ['src/routes/index.ts'] }]);
    expect(pathsOverlap('src/*.ts', 'src/a.ts')).toBe(true);
    expect(pathsOverlap('src/a.ts', 'src/b.ts')).toBe(false);
    expect(pathsOverlap('docs/', 'doc.md')).toBe(false);
  });

  it('orders tasks after their needs, keeping the list order otherwise', () => {
    const ordered = dependencyOrder([task('c', [], ['b']), task('a', []), task('b', ['x'], ['a'])]);
    expect(ordered.map((t) => t.id)).toEqual(['a', 'b', 'c']);
    const bad = checkTasks('not a list', 'tasks');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]!.message).toMatch(/tasks must be a list of tasks, got the string/);
  });
});
