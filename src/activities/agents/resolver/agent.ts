/**
 * `merge-resolver`: the agent the `resolver` file strategy runs on a merge's conflicted files.
 * With an LLM it asks the model for each file's merged content; without one it is deterministic:
 * git's line union against the base (lines both sides kept stay, both sides' additions are added,
 * the integration branch's first). Either way it answers content only; the merge queue checks it
 * for conflict markers and sends what is left to a person.
 */
import { ResolverInputSchema, ResolverOutputSchema } from '../../../shared/merge-contract';
import { mergeFile } from '../../merge/merge-file';
import { defineAgent } from '../agent';
import { hasLlm } from '../toolbox/llm';
import { llmResolutions } from './llm';

export const MERGE_RESOLVER = 'merge-resolver';

/** The files a line merge can take: text on both sides, shown whole. */
const mergeable = (side: { ours?: string; theirs?: string; truncated?: boolean }) =>
  side.ours !== undefined && side.theirs !== undefined && !side.truncated;

export const mergeResolverAgent = defineAgent({
  name: MERGE_RESOLVER,
  description:
    "Resolves a merge's conflicted files from their three sides: an LLM when configured, else a line union " +
    '(both sides kept, ours first). Files it cannot read whole (binary, over 64 KB, removed on a side) are left out.',
  input: ResolverInputSchema,
  output: ResolverOutputSchema,
  llm: 'optional',
  async run(input, context) {
    const files = input.conflicts.filter(mergeable);
    if (files.length === 0) return { resolutions: {} };
    if (hasLlm(context, MERGE_RESOLVER))
      return { resolutions: await llmResolutions(input.task, files, context) };
    const resolutions: Record<string, string> = {};
    for (const file of files) {
      context.heartbeat({ resolving: file.path });
      const merged = await mergeFile(
        { base: file.base, ours: file.ours as string, theirs: file.theirs as string },
        'union',
      );
      resolutions[file.path] = merged.toString('utf8');
    }
    return { resolutions };
  },
});
