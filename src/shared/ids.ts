import { hasControlChars, LIMITS } from './limits';

/**
 * Why a workflow id cannot name a Baton run, or undefined when it can. The CLI and the client API
 * refuse such ids; the activities never use an id as a path anyway (see `workspaceDirName`).
 */
export function runIdProblem(id: string): string | undefined {
  if (id.trim() === '') return 'a run id cannot be empty; omit --id for a generated one';
  if (id.length > LIMITS.runIdChars)
    return `a run id is at most ${LIMITS.runIdChars} characters (Temporal's limit); this one has ${id.length}`;
  if (id.includes('/') || id.includes('\\'))
    return `a run id cannot contain "/" or "\\" (got ${JSON.stringify(id)}); use letters, digits, ".", "-" and "_"`;
  if (id.split('.').every((part) => part === '') || id.includes('..'))
    return `a run id cannot contain ".." or be only dots (got ${JSON.stringify(id)})`;
  if (hasControlChars(id)) return `a run id cannot contain control characters (got ${JSON.stringify(id)})`;
  if (id !== id.trim()) return `a run id cannot start or end with spaces (got ${JSON.stringify(id)})`;
  return undefined;
}
