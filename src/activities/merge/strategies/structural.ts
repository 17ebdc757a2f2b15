/** The `dependency` and `api` classes: structural merges of manifests and OpenAPI documents. */
import type { ConflictRules } from '../../../shared/parallel';
import { textOf } from '../dry-run';
import { manifestOf } from '../manifests';
import { mergeOpenApi, openApiProblem } from '../openapi';
import { type Handler, human } from './strategy';

const LIST = 3;
const list = (items: readonly string[]) =>
  items.slice(0, LIST).join('; ') + (items.length > LIST ? `; and ${items.length - LIST} more` : '');

const highestCompatible: Handler = async (conflict) => {
  const manifest = manifestOf(conflict.path);
  const [ours, theirs] = [textOf(conflict.ours), textOf(conflict.theirs)];
  if (!manifest || ours === undefined || theirs === undefined) {
    return human('highest-compatible', 'not a manifest on both sides');
  }
  const merged = manifest.merge(textOf(conflict.base), ours, theirs);
  if ('problems' in merged) return human('highest-compatible', list(merged.problems));
  return {
    kind: 'resolved',
    strategy: 'highest-compatible',
    detail: merged.details.length ? list(merged.details) : 'merged the dependency entries of both sides',
    edits: [{ path: conflict.path, content: Buffer.from(merged.content), mode: conflict.ours?.mode }],
  };
};

const latestWins: Handler = async (conflict, { latest, rules }) => {
  const [ours, theirs] = [textOf(conflict.ours), textOf(conflict.theirs)];
  if (ours === undefined || theirs === undefined)
    return human('latest-wins', 'the document is missing on a side');
  const base = textOf(conflict.base);
  const merged = mergeOpenApi(
    conflict.path,
    { ...(base !== undefined && { base }), ours, theirs },
    latest.side,
  );
  if (!merged) return human('latest-wins', 'a side does not parse as an OpenAPI document');
  if (rules.api.validate) {
    const problem = await openApiProblem(conflict.path, merged.content);
    if (problem) return human('latest-wins', `the merged document is not valid: ${problem.slice(0, 1000)}`);
  }
  return {
    kind: 'resolved',
    strategy: 'latest-wins',
    detail: merged.taken.length
      ? `${list(merged.taken)}: took ${latest.task}'s version (it finished later)`
      : 'united the paths and components of both sides',
    edits: [{ path: conflict.path, content: Buffer.from(merged.content), mode: conflict.ours?.mode }],
  };
};

export const DEPENDENCY_STRATEGIES: Record<ConflictRules['dependency']['strategy'], Handler> = {
  'highest-compatible': highestCompatible,
  human: async () => human('human', 'the rules send dependency conflicts to a person'),
};

export const API_STRATEGIES: Record<ConflictRules['api']['strategy'], Handler> = {
  'latest-wins': latestWins,
  human: async () => human('human', 'the rules send API conflicts to a person'),
};
