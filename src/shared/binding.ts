/**
 * Phase inputs bind params and earlier outputs with `${params.name}` and
 * `${phases.<id>.output.<path>}`. A string that is exactly one binding keeps the bound value's
 * type; bindings inside a longer string are interpolated as text.
 */
import { LIMITS } from './limits';

const BINDING = /\$\{\s*([^}]+?)\s*\}/g;
const WHOLE_BINDING = /^\$\{\s*([^}]+?)\s*\}$/;

export interface BindingScope {
  params: Record<string, unknown>;
  phases: Record<string, { output?: unknown; state?: string }>;
}

export type Reference = { kind: 'param'; name: string } | { kind: 'phase'; phase: string; path: string[] };

/** Parses one binding expression such as `params.service` or `phases.spec.output.file`. */
export function parseReference(expression: string): Reference | { kind: 'invalid'; reason: string } {
  const parts = expression.split('.');
  if (parts[0] === 'params' && parts.length === 2 && parts[1]) return { kind: 'param', name: parts[1] };
  if (parts[0] === 'phases' && parts.length >= 3 && parts[1] && parts[2] === 'output') {
    return { kind: 'phase', phase: parts[1], path: parts.slice(3) };
  }
  return {
    kind: 'invalid',
    reason: `"\${${expression}}" is not a binding; use \${params.<name>} or \${phases.<id>.output[.<path>]}`,
  };
}

/**
 * All binding expressions in a value, depth first. Iterative: an input nested 100,000 levels deep
 * (refused by validation, but this may run before that) cannot overflow the stack.
 */
export function collectBindings(value: unknown, found: string[] = []): string[] {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      for (const match of current.matchAll(BINDING)) found.push(match[1] as string);
    } else if (current !== null && typeof current === 'object') {
      // Pushed in reverse, so they come off the stack in order (one by one: a spread of a huge
      // array would exceed the argument limit).
      const items = Object.values(current);
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
    }
  }
  return found;
}

function lookup(expression: string, scope: BindingScope): unknown {
  const ref = parseReference(expression);
  if (ref.kind === 'param') return scope.params[ref.name];
  if (ref.kind === 'phase') {
    let current: unknown = scope.phases[ref.phase]?.output;
    for (const key of ref.path) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<string, unknown>)[key];
    }
    return current;
  }
  return undefined;
}

/**
 * Returns a copy of `value` with every binding replaced from `scope`. Validation refuses inputs that
 * nest deeper than `LIMITS.nestingDepth`; below that depth a value is copied as it is, unbound, so
 * the recursion stays shallow whatever reaches it.
 */
export function bindInput<T>(value: T, scope: BindingScope): T {
  return bindAt(value, scope, 0);
}

function bindAt<T>(value: T, scope: BindingScope, depth: number): T {
  if (depth > LIMITS.nestingDepth) return value;
  if (typeof value === 'string') {
    const whole = WHOLE_BINDING.exec(value);
    if (whole) return lookup(whole[1] as string, scope) as T;
    return value.replace(BINDING, (_, expression: string) => {
      const bound = lookup(expression, scope);
      if (bound === undefined || bound === null) return '';
      return typeof bound === 'object' ? JSON.stringify(bound) : String(bound);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => bindAt(item, scope, depth + 1)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bindAt(v, scope, depth + 1)])) as T;
  }
  return value;
}

/** Merges `changes` into `input` (objects deeply, everything else replaced). */
export function mergeChanges(
  input: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...input };
  for (const [key, change] of Object.entries(changes)) {
    const current = merged[key];
    const bothObjects =
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current) &&
      change !== null &&
      typeof change === 'object' &&
      !Array.isArray(change);
    merged[key] = bothObjects
      ? mergeChanges(current as Record<string, unknown>, change as Record<string, unknown>)
      : change;
  }
  return merged;
}
