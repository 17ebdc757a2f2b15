import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { agentInputSchema, defineAgent } from '../../src/activities/agents/agent';
import { loadTemplate } from '../../src/client/templates';
import { bindInput, collectBindings } from '../../src/shared/binding';
import type { DefinitionInput } from '../../src/shared/definition';
import { durationMs } from '../../src/shared/duration';
import type { AgentInputSchemas } from '../../src/shared/input-schema';
import { LIMITS } from '../../src/shared/limits';
import { DecisionSchema, sanitizeSignalDecision } from '../../src/shared/messages';
import { patternProblem } from '../../src/shared/param-rules';
import { validateDefinition, type Problem } from '../../src/shared/validate';

function problemsOf(
  raw: unknown,
  params: Record<string, unknown> = {},
  agentSchemas?: AgentInputSchemas,
): Problem[] {
  const checked = validateDefinition(raw, params, { agentSchemas });
  if (checked.ok) throw new Error('expected the definition to be refused');
  return checked.problems;
}

const one = (phase: Record<string, unknown>, extra: Partial<DefinitionInput> = {}) => ({
  name: 'bounds',
  phases: [{ id: 'a', agent: 'echo', ...phase }],
  ...extra,
});

/** An array nested `depth` levels deep, built without recursion. */
export function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('definition bounds', () => {
  it.each([
    [{ approval: { timeout: '200000000d' } }, 'phases[a].approval.timeout', 'limit for a gate timeout, 365d'],
    [{ approval: { timeout: 1e300 } }, 'phases[a].approval.timeout', 'limit for a gate timeout, 365d'],
    [{ timeout: '8d' }, 'phases[a].timeout', 'limit for one agent attempt, 7d'],
    [{ heartbeatTimeout: 1e300 }, 'phases[a].heartbeatTimeout', 'limit for a heartbeat timeout, 7d'],
    [
      { retry: { initialInterval: '2d' } },
      'phases[a].retry.initialInterval',
      'limit for a retry interval, 1d',
    ],
    [{ retry: { maxAttempts: 1e9 } }, 'phases[a].retry.maxAttempts', 'at most 100 attempts'],
    [{ retry: { maxAttempts: -1 } }, 'phases[a].retry.maxAttempts', '>=1'],
    [{ retry: { backoff: 1e6 } }, 'phases[a].retry.backoff', 'at most 100'],
    [{ timeout: '0.2ms' }, 'phases[a].timeout', 'is not a duration'],
    [{ timeout: -5 }, 'phases[a].timeout', 'is not a duration'],
    [{ timeout: `${'9'.repeat(400)}d` }, 'phases[a].timeout', 'is not a duration'],
    [{ id: `a${'b'.repeat(100)}` }, `phases[a${'b'.repeat(100)}].id`, 'at most 64 characters'],
  ])('case %# is refused at its path', (phase, path, message) => {
    const problems = problemsOf(one(phase));
    expect(problems).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('refuses too many phases with one problem, not one per phase', () => {
    const phases = Array.from({ length: 5000 }, (_, i) => ({ id: `p${i}`, agent: 'nope', needs: ['ghost'] }));
    expect(problemsOf({ name: 'many', phases })).toEqual([
      { path: 'phases', message: '5000 phases; at most 200. Split the pipeline' },
    ]);
  });

  it('refuses a definition over the size limit, naming the size and the limit', () => {
    const problems = problemsOf(one({}, { description: 'x'.repeat(600 * 1024) }));
    expect(problems).toEqual([
      { path: '(definition)', message: expect.stringContaining('is 600 KB as JSON; at most 512 KB') },
    ]);
  });

  it('refuses params over the size limit, and params that are objects', () => {
    const def = one({}, { params: { big: {} } });
    expect(problemsOf(def, { big: 'x'.repeat(70 * 1024) })[0]).toEqual({
      path: 'params',
      message: expect.stringContaining('at most 64 KB'),
    });
    expect(problemsOf(def, { big: nested(100_000) })[0]).toEqual({
      path: 'params.big',
      message: 'expected a string, number or boolean, got an array',
    });
  });

  it('refuses input nested 100,000 levels deep without overflowing the stack', () => {
    const problems = problemsOf(one({ input: { deep: nested(100_000) } }));
    expect(problems).toEqual([
      { path: 'phases[a].input', message: expect.stringContaining('nests deeper than 32 levels') },
    ]);
    expect(
      problemsOf(one({ input: { ok: nested(30) } }, { description: nested(100_000) as string })),
    ).toEqual([{ path: '(definition)', message: expect.stringContaining('nests deeper than 32 levels') }]);
    expect(() => collectBindings(nested(100_000))).not.toThrow();
    expect(() => bindInput(nested(100_000), { params: {}, phases: {} })).not.toThrow();
    expect(collectBindings({ a: ['${params.x}', { b: '${params.y}' }] })).toEqual(['params.x', 'params.y']);
  });

  it('accepts the limits themselves', () => {
    const checked = validateDefinition(
      one({
        timeout: '7d',
        approval: { timeout: '365d' },
        retry: { maxAttempts: 100, backoff: 100, initialInterval: '1d' },
        input: { ok: nested(30) },
      }),
    );
    expect(checked.ok).toBe(true);
  });

  it('durationMs never throws, and clamps to the limit it is given', () => {
    expect(durationMs('200000000d', LIMITS.gateTimeoutMs)).toBe(LIMITS.gateTimeoutMs);
    expect(durationMs(1e300, LIMITS.gateTimeoutMs)).toBe(LIMITS.gateTimeoutMs);
    expect(durationMs('nonsense', 1000)).toBe(1000);
    expect(durationMs('1h30m', LIMITS.gateTimeoutMs)).toBe(5_400_000);
  });
});

describe('param rules', () => {
  const def = (spec: Record<string, unknown>) =>
    one({ input: { v: '${params.v}' } }, { params: { v: spec } });

  it.each([
    [{ pattern: '^[a-z]+$' }, '../x', '"../x" does not match the pattern ^[a-z]+$'],
    [
      { enum: ['staging', 'production'] },
      'prod',
      '"prod" is not one of the allowed values: "staging", "production"',
    ],
    [{ minLength: 1 }, '', '"" is too short: minLength is 1'],
    [{ maxLength: 3 }, 'abcd', '"abcd" is too long: maxLength is 3, it has 4 characters'],
    [{ type: 'number', min: 1 }, '0', '0 is less than min 1'],
    [{ type: 'number', max: 10 }, '11', '11 is more than max 10'],
  ])('%j refuses %j', (spec, value, message) => {
    expect(problemsOf(def(spec), { v: value })).toEqual([{ path: 'params.v', message }]);
  });

  it('checks defaults too, and says so', () => {
    expect(problemsOf(def({ pattern: '^[a-z]+$', default: 'A' }))).toEqual([
      { path: 'params.v', message: '"A" does not match the pattern ^[a-z]+$ (the default)' },
    ]);
  });

  it('refuses rules that cannot hold or that could stall the run', () => {
    const paths = problemsOf(def({ type: 'number', pattern: 'x', min: 5, max: 1 }), { v: 3 }).map(
      (p) => p.path,
    );
    expect(paths).toEqual(['params.v.pattern', 'params.v.max']);
    expect(problemsOf(def({ pattern: '(a+)+$' }), { v: 'a' })[0]!.message).toContain('exponential time');
    expect(problemsOf(def({ pattern: '[' }), { v: 'a' })[0]!.message).toContain(
      'not a valid regular expression',
    );
    expect(patternProblem('^[a-z][a-z0-9-]*(, ?[a-z][a-z0-9-]*)*$')).toBeUndefined();
    expect(patternProblem('(\\s*,\\s*[a-z]+)*')).toContain('exponential time');
  });

  it('the templates refuse empty requirements, a bad resources list and an environment that is a path', async () => {
    const express = await loadTemplate('node-express-api');
    expect(problemsOf(express, { requirements: '' })).toEqual([
      { path: 'params.requirements', message: expect.stringContaining('"" is too short: minLength is 1') },
    ]);
    expect(problemsOf(express, { requirements: 'x'.repeat(4001) })[0]!.message).toContain(
      'maxLength is 4000',
    );
    // Empty service and resources mean "derive them from the requirements".
    expect(validateDefinition(express, { service: '', resources: '' }).ok).toBe(true);
    expect(problemsOf(express, { resources: 'todos,,users' })[0]!.message).toContain(
      'does not match the pattern',
    );
    expect(problemsOf(express, { service: 'Todo Service' })[0]!.path).toBe('params.service');
    expect(validateDefinition(express, { resources: 'todos, order-items' }).ok).toBe(true);
    const sdlc = await loadTemplate('sdlc');
    expect(problemsOf(sdlc, { environment: '../x' })).toEqual([
      { path: 'params.environment', message: expect.stringContaining('"../x" does not match the pattern') },
    ]);
    expect(problemsOf(sdlc, { module: 'a/b' })[0]!.path).toBe('params.module');
  });
});

describe('static input against the agent input schema', () => {
  const agent = defineAgent({
    name: 'api-spec',
    description: 'test',
    input: z.object({
      service: z.string(),
      resources: z.union([z.string(), z.array(z.string())]),
      version: z.string().default('1'),
    }),
    output: z.object({}),
    run: async () => ({}),
  });
  const schemas = { 'api-spec': agentInputSchema(agent) };

  it('serves the fields, their types and whether others are taken', () => {
    expect(schemas['api-spec']).toEqual({
      properties: {
        service: { type: ['string'] },
        resources: { type: ['string', 'array'] },
        version: { type: ['string'] },
      },
      required: ['service', 'resources'],
      additionalProperties: false,
    });
    const record = defineAgent({ ...agent, input: z.record(z.string(), z.unknown()) });
    expect(agentInputSchema(record)).toMatchObject({ additionalProperties: true });
  });

  it('names an unknown key with the accepted ones, a missing required one, and a wrong literal type', () => {
    const problems = problemsOf(
      { name: 'typo', phases: [{ id: 'spec', agent: 'api-spec', input: { servic: 'x', resources: 3 } }] },
      {},
      schemas,
    );
    expect(problems).toEqual([
      {
        path: 'phases[spec].input.servic',
        message:
          'agent "api-spec" takes no field "servic"; did you mean "service"?; it accepts: resources, service, version',
      },
      {
        path: 'phases[spec].input.service',
        message: 'agent "api-spec" requires "service"; add it to the input',
      },
      {
        path: 'phases[spec].input.resources',
        message: 'agent "api-spec" takes string or array here, not integer',
      },
    ]);
  });

  it('leaves bound values and agents without a schema alone', () => {
    const def = {
      name: 'ok',
      params: { s: { default: 'x' } },
      phases: [
        { id: 'spec', agent: 'api-spec', input: { service: '${params.s}', resources: '${params.s}' } },
        { id: 'other', agent: 'unknown-schema', input: { anything: 1 } },
      ],
    };
    expect(validateDefinition(def, {}, { agentSchemas: schemas }).ok).toBe(true);
  });
});

describe('decision bounds', () => {
  const base = { phase: 'a', action: 'retry' };
  it.each([
    [{ by: 'x'.repeat(201) }, 'by is at most 200 characters'],
    [{ by: 'alice\n  2026-01-01T00:00:00.000Z  codegen: approve' }, 'by cannot hold control characters'],
    [{ by: 'bob\u001b[2J' }, 'by cannot hold control characters'],
    [{ by: 'baton:auto' }, 'reserved for the run itself'],
    [{ by: 'BATON:timeout' }, 'reserved for the run itself'],
    [{ by: 'a', comment: 'x'.repeat(LIMITS.commentChars + 1) }, 'comment is at most 65536 characters'],
    [{ by: 'a', comment: 'ok\u001b[2J' }, 'comment cannot hold control characters'],
    [{ by: 'a', changes: { big: 'x'.repeat(70 * 1024) } }, 'at most 64 KB'],
    [{ by: 'a', changes: { deep: 'nested 100,000 levels' } }, 'changes nest deeper than 32 levels'],
  ])('decision %# is refused', (extra, message) => {
    const deep = (extra as { changes?: { deep?: string } }).changes?.deep?.startsWith('nested');
    const decision = deep ? { ...extra, changes: { deep: nested(100_000) } } : extra;
    const parsed = DecisionSchema.safeParse({ ...base, ...decision });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.message).join('; ')).toContain(message);
  });

  it('a signal has its comment cut with a marker and its control characters escaped, and says so', () => {
    const { payload, sanitized } = sanitizeSignalDecision({
      ...base,
      by: 'alice\nforged',
      comment: `\u001b[2J${'x'.repeat(1_048_576)}`,
    });
    const decision = DecisionSchema.parse(payload);
    expect(decision.by).toBe('alice\\u000aforged');
    expect(decision.comment!.length).toBe(LIMITS.commentChars);
    expect(decision.comment!.slice(0, 9)).toBe('\\u001b[2J');
    expect(decision.comment!.endsWith('… [truncated: 1048580 chars]')).toBe(true);
    expect(sanitized).toEqual([
      'control characters in by escaped',
      'control characters in comment escaped',
      'comment truncated from 1048580 to 65536 characters',
    ]);
  });
});
