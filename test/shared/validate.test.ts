import { describe, expect, it } from 'vitest';
import type { DefinitionInput } from '../../src/shared/definition';
import { DURATION_HINT } from '../../src/shared/duration';
import { validateDefinition, type Problem } from '../../src/shared/validate';

const agents = ['echo', 'review'];

function problemsOf(raw: unknown, params: Record<string, unknown> = {}): Problem[] {
  const checked = validateDefinition(raw, params, { agents });
  if (checked.ok) throw new Error('expected the definition to be refused');
  return checked.problems;
}

const paths = (problems: readonly Problem[]) => problems.map((p) => p.path);

describe('validateDefinition with schema errors', () => {
  it('still reports the unknown agent, bad duration, missing need and cycle next to an unknown field', () => {
    const problems = problemsOf({
      name: 'bad',
      phases: [
        { id: 'a', agent: 'wizard', needs: ['b'], colour: 'red' },
        { id: 'b', agent: 'echo', needs: ['a', 'ghost'], timeout: '10 minutes' },
      ],
    });
    expect(problems).toEqual([
      { path: 'phases[a]', message: 'unknown field "colour"; remove or rename it' },
      { path: 'phases[a].agent', message: 'unknown agent "wizard"; known agents: echo, review' },
      { path: 'phases[b].needs[1]', message: 'needs "ghost", which is not defined; phases are: a, b' },
      { path: 'phases[b].timeout', message: `"10 minutes" is not a duration; ${DURATION_HINT}` },
      { path: 'phases[a].needs', message: 'dependency cycle: a → b → a' },
    ]);
  });

  it('reports a mistyped duration once, from the schema', () => {
    const problems = problemsOf({
      name: 'bad',
      phases: [{ id: 'a', agent: 'echo', timeout: true, retry: { maxInterval: ['1s'] } }],
    });
    expect(paths(problems)).toEqual(['phases[a].retry.maxInterval', 'phases[a].timeout']);
  });

  it('skips checks whose field has the wrong type instead of guessing', () => {
    const problems = problemsOf({
      name: 'bad',
      phases: [
        { id: 'a', agent: 'echo', needs: 'b', input: 'x' },
        { id: 'b' },
        'not a phase',
        { agent: 'echo' },
      ],
    });
    expect(paths(problems)).toEqual([
      'phases[a].needs',
      'phases[a].input',
      'phases[b].agent',
      'phases[2]',
      'phases[3].id',
    ]);
  });

  it('still lists params problems when phases have schema errors', () => {
    const problems = problemsOf(
      {
        name: 'bad',
        params: {
          service: { description: 'service name' },
          count: { type: 'number' },
          odd: { type: 'date' },
        },
        phases: [
          { id: 'a', agent: 42, input: { s: '${params.service}', o: '${params.odd}', m: '${params.nope}' } },
        ],
      },
      { servce: 'billing', count: 'many', odd: 'x' },
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: 'params.odd.type' }),
      expect.objectContaining({ path: 'phases[a].agent' }),
      { path: 'phases[a].input', message: 'binds param "nope", which the definition does not declare' },
      { path: 'params.servce', message: 'unknown param; "bad" accepts service, count, odd' },
      {
        path: 'params.service',
        message: 'missing required param (service name); pass --param service=<value>',
      },
      { path: 'params.count', message: 'expected a number, got "many"' },
    ]);
  });

  it('does not check params against a params block that is not an object', () => {
    const problems = problemsOf(
      {
        name: 'bad',
        params: ['service'],
        phases: [{ id: 'a', agent: 'echo', input: { s: '${params.service}' } }],
      },
      { service: 'billing' },
    );
    expect(paths(problems)).toEqual(['params']);
  });

  it.each([
    ['a string', 'name: bad', 'a string'],
    ['null', null, 'null'],
    ['an array', [{ id: 'a', agent: 'echo' }], 'an array'],
    ['nothing', undefined, 'nothing'],
  ])('gives one clear problem for %s instead of a definition', (_, raw, kind) => {
    expect(problemsOf(raw, { service: 'billing' })).toEqual([
      {
        path: '(definition)',
        message: `a definition must be an object with "name" and "phases"; got ${kind}`,
      },
    ]);
  });
});

describe('retry.maxInterval', () => {
  const withRetry = (
    retry: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): DefinitionInput => ({
    name: 'retrying',
    phases: [{ id: 'build', agent: 'echo', retry, ...extra }],
  });

  it('may not be shorter than initialInterval', () => {
    expect(problemsOf(withRetry({ initialInterval: '5s', maxInterval: '2s' }))).toEqual([
      {
        path: 'phases[build].retry.maxInterval',
        message: '"2s" is shorter than initialInterval "5s"; make it at least as long',
      },
    ]);
  });

  it('is compared with the default initialInterval when none is given', () => {
    expect(problemsOf(withRetry({ maxInterval: 500 }))).toEqual([
      {
        path: 'phases[build].retry.maxInterval',
        message: '"500" is shorter than initialInterval "1s"; make it at least as long',
      },
    ]);
  });

  it('may equal or exceed initialInterval', () => {
    expect(
      validateDefinition(withRetry({ initialInterval: '5s', maxInterval: 5000 }), {}, { agents }).ok,
    ).toBe(true);
    expect(
      validateDefinition(withRetry({ initialInterval: '1s', maxInterval: '1m' }), {}, { agents }).ok,
    ).toBe(true);
  });

  it('is checked when the definition also has schema errors', () => {
    const problems = problemsOf(withRetry({ initialInterval: '1m', maxInterval: '30s' }, { owner: 'me' }));
    expect(paths(problems)).toEqual(['phases[build]', 'phases[build].retry.maxInterval']);
  });
});

describe('validateDefinition on a valid definition', () => {
  it('returns the parsed definition and the resolved params', () => {
    const checked = validateDefinition(
      {
        name: 'ok',
        params: { count: { type: 'number' } },
        phases: [
          { id: 'a', agent: 'echo', input: { n: '${params.count}' } },
          { id: 'b', agent: 'review', needs: ['a'], input: { x: '${phases.a.output}' } },
        ],
      },
      { count: '3' },
      { agents },
    );
    expect(checked.ok && checked.params).toEqual({ count: 3 });
    expect(checked.ok && checked.definition.phases.map((p) => p.timeout)).toEqual(['10m', '10m']);
  });
});
