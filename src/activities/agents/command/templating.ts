/**
 * The placeholders of a command agent's args, prompt and env: `{{input.key}}`, `{{prompt}}`,
 * `{{workspace}}`, `{{phase}}`, `{{attempt}}`. A bad one fails the phase as `Agent.BadInput`.
 */
import { badInput } from '../../failures';

export interface Scope {
  input: Record<string, unknown>;
  prompt: string | undefined;
  workspace: string;
  phase: string;
  attempt: number;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

function keysOf(value: unknown): string {
  const keys = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  return keys.length ? keys.join(', ') : '(none)';
}

/** Replaces `{{...}}` placeholders; non-string values are JSON-encoded. `where` names the field in errors. */
export function render(text: string, scope: Scope, where: string): string {
  return text.replace(PLACEHOLDER, (_match, expr: string) => {
    const value = lookup(expr, scope, where);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

function lookup(expr: string, scope: Scope, where: string): unknown {
  if (expr === 'workspace') return scope.workspace;
  if (expr === 'phase') return scope.phase;
  if (expr === 'attempt') return scope.attempt;
  if (expr === 'prompt') {
    if (scope.prompt !== undefined) return scope.prompt;
    throw badInput(
      where === 'prompt'
        ? `${where}: the prompt template cannot use {{prompt}}`
        : `${where}: {{prompt}} is used but there is no prompt; set "prompt" in the phase input or in the command agent`,
    );
  }
  if (expr !== 'input' && !expr.startsWith('input.')) {
    throw badInput(
      `${where}: unknown placeholder {{${expr}}}; use {{input.<key>}}, {{prompt}}, {{workspace}}, {{phase}} or {{attempt}}`,
    );
  }
  let value: unknown = scope.input;
  let at = 'input';
  for (const key of expr === 'input' ? [] : expr.slice('input.'.length).split('.')) {
    if (
      value === null ||
      typeof value !== 'object' ||
      !Object.hasOwn(value, key) ||
      (value as Record<string, unknown>)[key] === undefined
    ) {
      throw badInput(
        `${where}: placeholder {{${expr}}} has no value in the phase input; keys of ${at}: ${keysOf(value)}`,
      );
    }
    value = (value as Record<string, unknown>)[key];
    at = `${at}.${key}`;
  }
  return value;
}
