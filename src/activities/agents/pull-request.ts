import { z } from 'zod';
import { GitHubError, type GitHubErrorKind } from '../../github/errors';
import { openPullRequest } from '../../github/open-pr';
import { OpenedPullRequestSchema } from '../../github/result';
import { prBody, type PrPhase } from '../../github/pr-body';
import { branchContains, gitConfig, pushBranch } from '../../github/remote';
import { AGENT_INPUTS } from '../../shared/agent-inputs';
import type { AgentFailureKind } from '../../shared/failure-types';
import { escapeControlChars } from '../../shared/limits';
import { WORKSPACE_CONFIG } from '../../shared/repo-target';
import { addUsage, NO_USAGE, type Usage } from '../../shared/status';
import { agentFailure, badInput } from '../failures';
import { resultPath } from '../workspace';
import { git } from '../workspace/git';
import { type AgentContext, defineAgent } from './agent';

/** How a GitHub problem fails the phase: a missing token or a refused one is never retried. */
const FAILURE_OF: Record<GitHubErrorKind, AgentFailureKind> = {
  NoToken: 'NotConfigured',
  AuthFailed: 'AuthFailed',
  RateLimited: 'RateLimited',
  Unavailable: 'ProviderUnavailable',
  Rejected: 'BadRequest',
  BadRemote: 'BadInput',
  PushFailed: 'CommandFailed',
};

const SUBJECT = /^baton: .+ \((.+)\), run \d+, attempt \d+$/;

/** What a phase run saved in its commit (src/activities/run-agent.ts), the parts the body shows. */
const SavedResultSchema = z.object({
  output: z.unknown(),
  attempt: z.number(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  usage: z.object({
    inputTokens: z.number(),
    outputTokens: z.number(),
    costUsd: z.number(),
    calls: z.number(),
  }),
});

/**
 * The phases before this one, from what the worker can see: the phase commits of this run in the
 * workspace's history (their `Baton-Key` trailers) and the result each saved in its commit. The
 * latest run of each phase, oldest phase first.
 */
async function phasesInHistory(context: AgentContext): Promise<PrPhase[]> {
  const prefix = `Baton-Key: ${escapeControlChars(`${context.workflowId}/${context.runId}/`)}`;
  const log = await git(context.workspace, ['log', '-z', '--no-merges', '--format=%H%n%B', 'HEAD']);
  const phases = new Map<string, PrPhase>();
  for (const entry of log.split('\0')) {
    const [commit, subject = '', ...body] = entry.trim().split('\n');
    const key = body.map((line) => line.trim()).find((line) => line.startsWith(prefix));
    if (!commit || !key) continue;
    const rest = key.slice(prefix.length);
    const phase = rest.slice(0, rest.lastIndexOf('/'));
    const run = Number(rest.slice(rest.lastIndexOf('/') + 1));
    if (phase === context.phase || phases.has(phase) || !Number.isInteger(run)) continue;
    const saved = await git(context.workspace, ['show', `${commit}:${resultPath(phase, run)}`]).then(
      (text) => SavedResultSchema.safeParse(JSON.parse(text)),
      () => undefined,
    );
    const result = saved?.success ? saved.data : undefined;
    phases.set(phase, {
      id: phase,
      agent: SUBJECT.exec(subject)?.[1] ?? '',
      state: 'done',
      attempts: result?.attempt ?? 1,
      runs: run,
      ...(result && {
        output: result.output,
        usage: result.usage,
        ...(result.startedAt && { startedAt: result.startedAt }),
        ...(result.endedAt && { endedAt: result.endedAt }),
      }),
    });
  }
  return [...phases.values()].reverse();
}

const NOTE =
  'Written on the worker from the phase commits in this branch: decisions, and phases that left no ' +
  'commit (skipped or failed ones), are not shown. `baton pr <run>` or `baton status <run>` has the whole record.';

/**
 * Ends a `--repo` run with a pull request: publishes the workspace's HEAD (every phase before this
 * one) to `baton/<run id>` in the user's repository, pushes that branch to the repository's remote,
 * and opens the pull request, with GITHUB_TOKEN and GITHUB_API_URL from the worker's environment.
 * Another attempt finds the pull request it opened and reports it.
 */
export const pullRequestAgent = defineAgent({
  name: 'pull-request',
  description:
    "Pushes a --repo run's branch baton/<run> to the repository's remote and opens a pull request (GITHUB_TOKEN).",
  input: AGENT_INPUTS['pull-request'],
  output: OpenedPullRequestSchema,
  async run(input, context) {
    const source = await gitConfig(context.workspace, WORKSPACE_CONFIG.source);
    const branch = await gitConfig(context.workspace, WORKSPACE_CONFIG.branch);
    if (!source || !branch) {
      throw badInput(
        `phase "${context.phase}": the pull-request agent works only in a run started with --repo ` +
          `(this run's workspace has no ${WORKSPACE_CONFIG.source}); start it with \`baton start <template> --repo PATH\``,
      );
    }
    try {
      const head = (await git(context.workspace, ['rev-parse', 'HEAD'])).trim();
      // Already there when the run published it after the last merge; pushed here otherwise.
      if (!(await branchContains(source, branch, head)))
        await pushBranch(context.workspace, source, 'HEAD', branch);
      context.heartbeat({ step: 'published', branch });
      const phases = await phasesInHistory(context);
      const usage = phases.reduce<Usage>((sum, p) => addUsage(sum, p.usage ?? {}), NO_USAGE);
      const pr = await openPullRequest({
        repoDir: source,
        branch,
        title: input.title ?? `Baton: run ${context.workflowId}`,
        body: prBody({ runId: context.workflowId, phases, usage, note: NOTE }),
        draft: input.draft,
        remote: input.remote,
        ...(input.base && { base: input.base }),
        signal: context.signal,
      });
      context.log('pull request', { url: pr.url, created: pr.created });
      return pr;
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error;
      const message = error.hint ? `${error.message} ${error.hint}` : error.message;
      throw agentFailure(FAILURE_OF[error.kind], message, {
        nextRetryDelay: error.retryAfterMs,
        cause: error,
      });
    }
  },
});
