/**
 * Where a run's work comes from and goes to, when it is not a fresh repository: the user's own git
 * repository (`--repo`, the result is the branch `baton/<run id>` there), and a directory the final
 * tree is exported to (`--out`). The client works these out and checks them before the run starts;
 * the worker checks them again, as it is the one that reads and writes them. Sandbox-safe.
 */
import { z } from 'zod';

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export const RepoTargetSchema = z.object({
  /** The repository's top-level directory, absolute, as the client resolved it. */
  path: z.string().min(1),
  /** The ref the user gave (`--base`, default `HEAD`), for the record. */
  base: z.string().min(1),
  /** The commit `base` named when the run started: the run starts from it, whatever moves later. */
  commit: z.string().regex(COMMIT, 'a full commit id (40 or 64 hex digits)'),
  /** The branch the run's work is published to, in the user's repository: `baton/<run id>`. */
  branch: z.string().min(1),
  /** The host the client ran on; a worker on another host cannot reach `path`. */
  host: z.string().min(1),
});
export type RepoTarget = z.infer<typeof RepoTargetSchema>;

export const OutTargetSchema = z.object({
  /** The directory the final tree is written to, absolute. */
  dir: z.string().min(1),
  /** Write into a non-empty directory (files of the tree replace files of the same name). */
  force: z.boolean().default(false),
  host: z.string().min(1),
});
export type OutTarget = z.infer<typeof OutTargetSchema>;

/** The branch a run publishes to in the user's repository. */
export const runBranch = (runId: string): string => `baton/${runId}`;

/**
 * Git config keys of a `--repo` run's workspace (a clone of the user's repository): what the
 * workspace activities and the `pull-request` agent read to find the user's repository and branch.
 */
export const WORKSPACE_CONFIG = {
  /** The user's repository, absolute: the clone's source, and where the branch is published. */
  source: 'baton.source',
  /** The branch in the user's repository: `baton/<run id>`. */
  branch: 'baton.branch',
} as const;
