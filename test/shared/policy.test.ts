import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { describe, expect, it, inject } from 'vitest';
import { quietLogger } from '../../src/workers/bundle';
import { evaluatePolicy, policyProblem, POLICY_LIMITS } from '../../src/shared/policy';
import { uniqueId } from '../helpers/env';

const review = (output: Record<string, unknown>) => ({
  phases: { review: { output } },
  params: { service: 'billing' },
  gate: { id: 'approve#1', phase: 'approve', kind: 'approval' },
});
const ISSUE_EXAMPLE = 'phases.review.output.errors == 0 && phases.review.output.warnings < 3';

describe('evaluatePolicy', () => {
  it('decides the issue example and records each path it read with its value', () => {
    expect(evaluatePolicy(ISSUE_EXAMPLE, review({ errors: 0, warnings: 2, notes: 'x' }))).toEqual({
      ok: true,
      value: true,
      inputs: { 'phases.review.output.errors': 0, 'phases.review.output.warnings': 2 },
    });
    expect(evaluatePolicy(ISSUE_EXAMPLE, review({ errors: 1, warnings: 0 }))).toMatchObject({
      ok: true,
      value: false,
    });
  });

  it('reads whole JSON numbers as int and others as double', () => {
    const ctx = review({ errors: 1, warnings: 2, ratio: 0.25 });
    expect(
      evaluatePolicy('phases.review.output.errors + phases.review.output.warnings == 3', ctx),
    ).toMatchObject({ value: true });
    expect(
      evaluatePolicy('phases.review.output.ratio < 0.5 && phases.review.output.errors < 1.5', ctx),
    ).toMatchObject({ value: true });
  });

  it('reads params, gate, lists, macros and has()', () => {
    const ctx = review({ files: ['a.ts', 'b.ts'] });
    const expr =
      'params.service == "billing" && gate.kind == "approval" && phases.review.output.files.all(f, f.endsWith(".ts")) && !has(phases.review.output.errors)';
    const outcome = evaluatePolicy(expr, ctx);
    expect(outcome).toEqual({
      ok: true,
      value: true,
      inputs: {
        'params.service': 'billing',
        'gate.kind': 'approval',
        'phases.review.output.files': ['a.ts', 'b.ts'],
      },
    });
  });

  it('records a large input by its size, not in full', () => {
    const outcome = evaluatePolicy('size(phases.review.output.log) > 10', review({ log: 'x'.repeat(5000) }));
    expect(outcome).toEqual({
      ok: true,
      value: true,
      inputs: { 'phases.review.output.log': '(5002 bytes, not recorded)' },
    });
  });

  it.each([
    ['a missing field', 'phases.review.output.errors == 0', {}, /No such key: errors at column 22.*has\(\)/],
    ['a missing phase', 'phases.lint.output.errors == 0', { errors: 0 }, /No such key: lint/],
    [
      'a type error',
      'phases.review.output.errors + 0.5 > 1.0',
      { errors: 1 },
      /no such overload.*do not mix/,
    ],
    [
      'a number, not a bool',
      'phases.review.output.errors',
      { errors: 3 },
      /gave the int 3, not true or false/,
    ],
    ['a string, not a bool', 'phases.review.output.verdict', { verdict: 'ok' }, /gave the string "ok"/],
    ['an unknown variable', 'review.errors == 0', {}, /Unknown variable: review/],
    [
      'a malformed expression',
      'phases.review.output.errors ==',
      {},
      /does not parse: Unexpected token: EOF at column 31/,
    ],
  ])('never throws: %s is an error with a reason', (_what, expression, output, message) => {
    const outcome = evaluatePolicy(expression, review(output));
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.error).toMatch(message);
  });

  it('does not reach prototype properties', () => {
    expect(evaluatePolicy('phases.review.output.constructor == null', review({}))).toMatchObject({
      ok: false,
    });
  });
});

describe('policyProblem', () => {
  it('accepts a good expression, over several lines too', () => {
    expect(policyProblem(ISSUE_EXAMPLE)).toBeUndefined();
    expect(policyProblem('gate.kind == "approval"\n  && params.x == "y"')).toBeUndefined();
  });

  it.each([
    [
      'phases.review.output.errors == ',
      32,
      undefined,
      /Unexpected token: EOF at column 32 \(after ".*errors == "\)/,
    ],
    ['phases.review.output.errors =! 0', 29, undefined, /Unexpected character: = at column 29/],
    ['a &&& b', 5, undefined, /Unexpected character: & at column 5/],
    ['gate.kind == "approval"\n  && (params.x', 15, 2, /at line 2, column 15/],
    [
      'phase.review.output.errors == 0',
      1,
      undefined,
      /Unknown variable: phase .*can read phases, params, gate/,
    ],
    ['1 + "a" == 2', 1, undefined, /no such overload: int \+ string at column 1/],
  ])('%j: a problem with its position', (expression, column, line, message) => {
    const problem = policyProblem(expression);
    expect(problem?.message).toMatch(message);
    expect(problem?.column).toBe(column);
    expect(problem?.line).toBe(line);
  });

  it('refuses a result that cannot be a bool, an empty expression and a huge one', () => {
    expect(policyProblem('phases.review.output.errors + 1')?.message).toMatch(/gives int, not a bool/);
    expect(policyProblem('  ')?.message).toMatch(/empty/);
    expect(policyProblem('true && '.repeat(300) + 'true')?.message).toMatch(
      new RegExp(`over the limit of ${POLICY_LIMITS.chars}`),
    );
    expect(
      policyProblem(
        Array.from({ length: 400 }, (_, i) => `gate.x${i} == 1`)
          .join(' || ')
          .slice(0, 1990),
      )?.message,
    ).toMatch(/maxAstNodes|Exceeded/);
  });

  it('checks against the variables it is given', () => {
    expect(
      policyProblem('run.template == "x" && output.errors == 0', ['run', 'gate', 'output']),
    ).toBeUndefined();
    expect(policyProblem('phases.x == 1', ['run', 'gate', 'output'])?.message).toMatch(
      /Unknown variable: phases .*can read run, gate, output/,
    );
  });
});

describe('in the workflow sandbox', () => {
  it('bundles (no Node builtin) and evaluates inside a real workflow', async () => {
    const workflowsPath = fileURLToPath(new URL('./fixtures/policy-workflow.ts', import.meta.url));
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
    const taskQueue = uniqueId('policy-sandbox');
    const nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle: bundle });
      const client = new Client({ connection });
      const result = await worker.runUntil(
        client.workflow.execute('policyCheck', {
          taskQueue,
          workflowId: uniqueId('policy'),
          args: [ISSUE_EXAMPLE, review({ errors: 0, warnings: 1 })],
        }),
      );
      const expected = {
        ok: true,
        value: true,
        inputs: { 'phases.review.output.errors': 0, 'phases.review.output.warnings': 1 },
      };
      expect(result).toEqual({ outcome: expected, again: expected, problem: null });
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });
});
