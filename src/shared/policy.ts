/**
 * Gate policies in CEL (`approval.autoApprove.when`, `baton approve --all --where`), evaluated in
 * the workflow sandbox by @marcbachmann/cel-js: pure JS, no dependencies and no Node builtins (its
 * only Node touch, `Buffer` for bytes, is guarded by `typeof Buffer`). A library, not a hand-written
 * parser: CEL is a spec with many corners (macros, int/double rules, `has`), and Kubernetes and
 * Envoy users already know it.
 *
 * Evaluation is deterministic: CEL has no clock, no randomness and no I/O, and no custom function is
 * registered here. JSON numbers that are whole become CEL `int`, others `double`, so
 * `output.errors == 0` and `output.errors + output.warnings < 3` read as they are written.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { jsonBytes } from './limits';

/** A parse error with its position in the expression (1-based column), for definition errors. */
export interface PolicyProblem {
  message: string;
  /** 1-based column of the error in the expression, when the parser knows it. */
  column?: number;
  /** 1-based line, for an expression written over several lines (a YAML block). */
  line?: number;
}

/** The outcome of evaluating a policy: its boolean value and the inputs it read, or why it could not. */
export type PolicyOutcome =
  { ok: true; value: boolean; inputs: Record<string, unknown> } | { ok: false; error: string };

/** Bounds on an expression: its text, and the parsed tree (so nothing huge reaches a workflow task). */
export const POLICY_LIMITS = { chars: 2000, astNodes: 500, depth: 40, cached: 200 } as const;

/** The variables a gate's `autoApprove.when` may read. */
export const GATE_POLICY_VARIABLES = ['phases', 'params', 'gate'] as const;

/** An input value larger than this (as JSON) is recorded as its size, not in full: history stays small. */
const INPUT_VALUE_BYTES = 1024;

const limits = {
  maxAstNodes: POLICY_LIMITS.astNodes,
  maxDepth: POLICY_LIMITS.depth,
  maxListElements: 100,
  maxMapEntries: 100,
  maxCallArguments: 8,
};

/** An expression ready to run, with the paths it reads (for the decision record's `inputs`). */
interface Compiled {
  run: ParseResult;
  paths: Path[];
}

type Path = (string | number)[];

// Built on first use: an Environment is costly, and a workflow that never gates never pays for it.
let evaluator: Environment | undefined;
const checkers = new Map<string, Environment>();
// Parsed once per expression: a gate that opens again (retry, modify) does not parse again.
const compiled = new Map<string, Compiled | PolicyProblem>();

const evaluatorEnv = () =>
  (evaluator ??= new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
    limits,
  }));

function checkerFor(variables: readonly string[]): Environment {
  const key = variables.join(',');
  let env = checkers.get(key);
  if (!env) {
    env = new Environment({ homogeneousAggregateLiterals: false, limits });
    for (const name of variables) env.registerVariable(name, 'dyn');
    checkers.set(key, env);
  }
  return env;
}

/** Where the error is in the expression, as line and 1-based column. */
function position(expression: string, offset: number): { line: number; column: number } {
  const before = expression.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

interface CelError {
  code?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
}

/** What to do about the library's errors that a policy author meets most. */
const HINTS: Record<string, string> = {
  no_such_key:
    'guard a field that may be absent with has(), for example has(phases.review.output.errors) && …',
  no_such_overload:
    'the operator does not take these types; whole numbers are int and others double, and they do not mix in arithmetic (write 2.0, or double(x))',
};

/** `Unexpected token: EOF at column 31 (after "errors == ")`: the library's summary, placed. */
function placed(expression: string, error: unknown): PolicyProblem {
  const { code, summary, message, range } = (error ?? {}) as CelError;
  const hint = code ? HINTS[code] : undefined;
  const what = summary ?? message?.split('\n')[0] ?? String(error);
  const fix = hint ? `; ${hint}` : '';
  if (!range) return { message: `${what}${fix}` };
  const { line, column } = position(expression, range.start);
  const after = expression.slice(Math.max(0, range.start - 20), range.start).replace(/\s+/g, ' ');
  const near = expression.slice(range.start, Math.min(range.end, range.start + 40)).replace(/\s+/g, ' ');
  const where = `${line > 1 ? `line ${line}, ` : ''}column ${column}`;
  const context = near ? `at "${near}"` : after ? `after "${after}"` : 'at the start';
  return { message: `${what} at ${where} (${context})${fix}`, column, ...(line > 1 ? { line } : {}) };
}

function tooLong(expression: string): PolicyProblem | undefined {
  if (expression.trim() === '')
    return { message: 'the expression is empty; write a condition such as phases.review.output.errors == 0' };
  if (expression.length > POLICY_LIMITS.chars)
    return {
      message: `the expression is ${expression.length} characters, over the limit of ${POLICY_LIMITS.chars}; split the condition or compute a field in the phase output`,
    };
  return undefined;
}

/**
 * Why the expression cannot be used, or undefined when it parses. `variables` are the names it may
 * read (default: a gate's `phases`, `params`, `gate`); an unknown one, a type error such as
 * `1 + "a"`, or a result that cannot be a bool (`1 + 2`) is a problem too.
 */
export function policyProblem(
  expression: string,
  variables: readonly string[] = GATE_POLICY_VARIABLES,
): PolicyProblem | undefined {
  const bounds = tooLong(expression);
  if (bounds) return bounds;
  try {
    const result = checkerFor(variables).check(expression);
    if (!result.valid) {
      const problem = placed(expression, result.error);
      return /unknown variable/i.test(problem.message)
        ? { ...problem, message: `${problem.message}; the expression can read ${variables.join(', ')}` }
        : problem;
    }
    if (result.type !== 'bool' && result.type !== 'dyn')
      return {
        message: `the expression gives ${result.type ?? 'a value'}, not a bool; compare it, for example ${expression.trim().slice(0, 40)} > 0`,
      };
  } catch (error) {
    return placed(expression, error);
  }
  return undefined;
}

/** `phases.review.output.errors` → ['phases','review','output','errors']; undefined when not a plain path. */
function pathOf(node: AstNode): Path | undefined {
  if (node.op === 'id' && typeof node.args === 'string') return [node.args];
  if (!Array.isArray(node.args)) return undefined;
  const [target, key] = node.args as [unknown, unknown];
  if (!isNode(target)) return undefined;
  if ((node.op === '.' || node.op === '.?') && typeof key === 'string') {
    const base = pathOf(target);
    return base && [...base, key];
  }
  if ((node.op === '[]' || node.op === '[?]') && isNode(key) && key.op === 'value') {
    const base = pathOf(target);
    const index = key.args;
    if (typeof index === 'string') return base && [...base, index];
    if (typeof index === 'bigint') return base && [...base, Number(index)];
  }
  return undefined;
}

interface AstNode {
  op: string;
  args: unknown;
}

const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && 'op' in value && 'args' in value;

/** Every longest path the expression reads, in the order written. */
function pathsIn(root: AstNode): Path[] {
  const found: Path[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isNode(value)) return;
    const path = pathOf(value);
    if (path) found.push(path);
    else visit(value.args);
  };
  visit(root);
  return found;
}

function compile(expression: string): Compiled | PolicyProblem {
  const cached = compiled.get(expression);
  if (cached) return cached;
  let entry: Compiled | PolicyProblem;
  try {
    entry =
      tooLong(expression) ??
      (() => {
        const run = evaluatorEnv().parse(expression);
        return { run, paths: pathsIn(run.ast) };
      })();
  } catch (error) {
    entry = placed(expression, error);
  }
  if (compiled.size >= POLICY_LIMITS.cached) compiled.clear();
  compiled.set(expression, entry);
  return entry;
}

/** The paths an expression reads (`['phases','build','output','ok']`), or undefined when it does not parse. */
export function pathsRead(expression: string): Path[] | undefined {
  const entry = compile(expression);
  return 'run' in entry ? entry.paths : undefined;
}

/** JSON as CEL reads it: whole numbers are `int` (BigInt), `undefined` fields are absent. */
function toCel(value: unknown, depth = 0): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => toCel(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, toCel(v, depth + 1)]),
  );
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const pathText = (path: Path): string =>
  path
    .map((key, i) =>
      typeof key === 'number'
        ? `[${key}]`
        : IDENTIFIER.test(key)
          ? `${i ? '.' : ''}${key}`
          : `[${JSON.stringify(key)}]`,
    )
    .join('');

/** The value at `path` in the (plain JSON) context, or undefined when it is not there. */
function valueAt(context: unknown, path: Path): unknown {
  let current = context;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Each path read that is in the context, with its value (a large one only by its size). */
function inputsOf(paths: readonly Path[], context: Record<string, unknown>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const path of paths) {
    const value = valueAt(context, path);
    if (value === undefined) continue;
    const bytes = jsonBytes(value);
    inputs[pathText(path)] = bytes > INPUT_VALUE_BYTES ? `(${bytes} bytes, not recorded)` : value;
  }
  return inputs;
}

function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `the int ${value}`;
  if (typeof value === 'number') return `the double ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function')
    return 'a promise';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

/**
 * Evaluates `expression` over `context` (for gates: `{ phases: { <id>: { output } }, params,
 * gate: { id, phase, kind } }`). Never throws: a non-boolean result or an evaluation error is
 * `ok: false`. `inputs` holds the value of each path the expression read (`phases.review.output.errors`).
 */
export function evaluatePolicy(expression: string, context: Record<string, unknown>): PolicyOutcome {
  try {
    const entry = compile(expression);
    if (!('run' in entry)) return { ok: false, error: `the expression does not parse: ${entry.message}` };
    let value: unknown;
    try {
      value = entry.run(toCel(context) as Record<string, unknown>);
    } catch (error) {
      return { ok: false, error: placed(expression, error).message };
    }
    if (typeof value !== 'boolean')
      return {
        ok: false,
        error: `the expression gave ${describeValue(value)}, not true or false; compare it, for example phases.review.output.errors == 0`,
      };
    return { ok: true, value, inputs: inputsOf(entry.paths, context) };
  } catch (error) {
    // Anything the library did not foresee (a stack overflow on a deep value): no decision, a reason.
    return {
      ok: false,
      error: `the expression could not be evaluated: ${String((error as Error)?.message ?? error)}`,
    };
  }
}
