import type { ParamSpec, Params, ParamValue } from './definition';
import { paramRuleProblem, paramSpecProblems, quote } from './param-rules';

/** One thing wrong with a definition or its params. `path` names the phase and the field. */
export interface Problem {
  path: string;
  message: string;
}

/** What the param checks read of a definition, parsed or not. */
export interface ParamsView {
  name?: string;
  /**
   * Declared params; a spec too malformed to check against is `undefined` but still declared.
   * Undefined as a whole when `params` is not an object, and then params are not checked.
   */
  params?: Record<string, ParamSpec | undefined>;
}

function coerceParam(
  name: string,
  spec: ParamSpec,
  value: unknown,
): { value?: ParamValue; problem?: Problem } {
  const path = `params.${name}`;
  if (spec.type === 'number') {
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (typeof value === 'string' && value.trim() === '')
      return { problem: { path, message: 'expected a number, got ""' } };
    if (Number.isFinite(number)) return { value: number };
    return { problem: { path, message: `expected a number, got ${quote(value)}` } };
  }
  if (spec.type === 'boolean') {
    if (typeof value === 'boolean') return { value };
    if (value === 'true' || value === 'false') return { value: value === 'true' };
    return { problem: { path, message: `expected true or false, got ${quote(value)}` } };
  }
  if (typeof value === 'string') return { value };
  if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
  return { problem: { path, message: `expected a string, got ${quote(value)}` } };
}

/** Checks the params given for a run against those declared, and resolves them with their defaults. */
export function checkParams(
  definition: ParamsView,
  given: Record<string, unknown>,
  problems: Problem[],
): Params {
  const resolved: Params = {};
  const declared = definition.params;
  if (!declared) return resolved;
  const known = Object.keys(declared);
  const owner = definition.name ? `"${definition.name}"` : 'the definition';
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      problems.push({
        path: `params.${name}`,
        message: `unknown param; ${owner} accepts ${known.length ? known.join(', ') : 'no params'}`,
      });
    }
  }
  for (const [name, spec] of Object.entries(declared)) {
    if (!spec) continue;
    const specProblems = paramSpecProblems(spec);
    for (const [field, message] of specProblems) {
      problems.push({ path: `params.${name}.${field}`, message });
    }
    const value = given[name] ?? spec.default;
    if (value === undefined) {
      if (spec.required !== false) {
        problems.push({
          path: `params.${name}`,
          message: `missing required param${spec.description ? ` (${spec.description})` : ''}; pass --param ${name}=<value>`,
        });
      }
      continue;
    }
    const coerced = coerceParam(name, spec, value);
    if (coerced.problem) problems.push(coerced.problem);
    else if (coerced.value !== undefined) {
      const broken = specProblems.length ? undefined : paramRuleProblem(spec, coerced.value);
      if (broken) {
        const source = given[name] === undefined ? ' (the default)' : '';
        problems.push({ path: `params.${name}`, message: `${broken}${source}` });
      } else resolved[name] = coerced.value;
    }
  }
  return resolved;
}
