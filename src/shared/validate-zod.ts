/** A definition's schema errors as problems: paths with phase ids, and messages that name the fix. */
import type { z } from 'zod';
import type { Problem } from './validate-params';

/** `phases[review].needs[0]`: array indexes of phases are replaced by the phase id when known. */
function formatPath(path: readonly PropertyKey[], raw: unknown): string {
  let text = '';
  const phases = (raw as { phases?: unknown[] } | undefined)?.phases;
  path.forEach((key, index) => {
    if (typeof key === 'number') {
      const phaseId =
        index === 1 && path[0] === 'phases' && Array.isArray(phases)
          ? (phases[key] as { id?: unknown } | undefined)?.id
          : undefined;
      text += typeof phaseId === 'string' && phaseId ? `[${phaseId}]` : `[${key}]`;
    } else {
      text += text ? `.${String(key)}` : String(key);
    }
  });
  return text || '(definition)';
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

export function zodProblems(error: z.ZodError, raw: unknown): Problem[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'invalid_type' && issue.path.length === 0) {
      message = `a definition must be an object with "name" and "phases"; got ${describeKind(raw)}`;
    } else if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or rename ${issue.keys.length > 1 ? 'them' : 'it'}`;
    }
    return { path: formatPath(issue.path, raw), message };
  });
}
