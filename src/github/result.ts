/** What opening a pull request gives back, as a schema: zod only, so the client's schemas can use it. */
import { z } from 'zod';

/** What opening a pull request gives back: `baton pr`'s result and the `pull-request` agent's output. */
export const OpenedPullRequestSchema = z.object({
  url: z.string(),
  number: z.number().int(),
  /** False when a pull request was open for the branch already: `url` is that one. */
  created: z.boolean(),
  /** `owner/repo` on GitHub. */
  repository: z.string(),
  branch: z.string(),
  base: z.string(),
});
export type OpenedPullRequest = z.infer<typeof OpenedPullRequestSchema>;
