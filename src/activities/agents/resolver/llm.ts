/** The LLM half of `merge-resolver`: the merged content of each file, from its three sides. */
import { z } from 'zod';
import type { ConflictSides } from '../../../shared/parallel';
import type { AgentContext } from '../agent';
import { askLlm } from '../toolbox/llm';

const AnswerSchema = z.object({
  files: z.array(z.object({ path: z.string(), content: z.string() })).max(100),
});

const fence = (label: string, text: string | undefined) =>
  text === undefined ? `${label}: (no file on this side)` : `${label}:\n<<<FILE\n${text}\nFILE>>>`;

/** Per file, the model's merged content; answers for files it was not asked about are dropped. */
export async function llmResolutions(
  task: string,
  files: readonly ConflictSides[],
  context: AgentContext,
): Promise<Record<string, string>> {
  const answer = await askLlm(context, {
    agent: 'merge-resolver',
    schema: AnswerSchema,
    system:
      'You resolve git merge conflicts. For each file you get the common ancestor (base), the integration ' +
      "branch's version (ours) and a task's version (theirs). Return the merged file that keeps the intent of " +
      'both changes. Never return conflict markers (<<<<<<<, =======, >>>>>>>). Return each file whole.',
    prompt: [
      `Merge the task "${task}" into the integration branch. ${files.length} file(s):`,
      ...files.map((f) =>
        [
          `=== ${f.path} (${f.class}) ===`,
          fence('base', f.base),
          fence('ours', f.ours),
          fence('theirs', f.theirs),
        ].join('\n'),
      ),
    ].join('\n\n'),
  });
  const asked = new Set(files.map((f) => f.path));
  return Object.fromEntries(answer.files.filter((f) => asked.has(f.path)).map((f) => [f.path, f.content]));
}
