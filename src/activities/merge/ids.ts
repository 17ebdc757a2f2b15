/** Ids that become ref names: checked, since inputs may be forged. */
import { PHASE_ID } from '../../shared/definition';
import { badInput } from '../failures';

/** A phase or task id (they are checked as such by the definition; checked again as a ref part). */
export function refPart(id: string, what: string): string {
  if (!PHASE_ID.test(id))
    throw badInput(`${what} ${JSON.stringify(id)} is not a valid id (letters, digits, "-", "_")`);
  return id;
}

/** A run id: letters, digits, `.`, `_`, `-`, as git allows in one ref component. */
export function runIdPart(id: string): string {
  if (
    !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id) ||
    id.includes('..') ||
    id.endsWith('.lock') ||
    id.endsWith('.')
  ) {
    throw badInput(`run id ${JSON.stringify(id)} cannot be part of a branch name`);
  }
  return id;
}
