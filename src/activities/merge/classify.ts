/** Which class a conflicted file belongs to; the class chooses the strategy (see strategies/). */
import type { ConflictClass } from '../../shared/parallel';
import { type Conflicted, textOf } from './dry-run';
import { manifestOf } from './manifests';
import { mayBeOpenApi, parseOpenApi } from './openapi';

/**
 * `dependency`: a manifest whose dependency entries both sides changed. `api`: an OpenAPI document.
 * `naming`: both sides added the path (add/add). `file`: the rest, binary files and removals included.
 */
export function classify(conflict: Conflicted): ConflictClass {
  const [base, ours, theirs] = [textOf(conflict.base), textOf(conflict.ours), textOf(conflict.theirs)];
  if (conflict.binary || ours === undefined || theirs === undefined) return 'file';
  if (manifestOf(conflict.path)?.touchesDependencies(base, ours, theirs)) return 'dependency';
  if (
    mayBeOpenApi(conflict.path) &&
    (parseOpenApi(conflict.path, ours) || parseOpenApi(conflict.path, theirs))
  ) {
    return 'api';
  }
  return conflict.base === undefined ? 'naming' : 'file';
}
