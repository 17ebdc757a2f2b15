/**
 * `pr`: push a `--repo` run's branch (`baton/<run id>`) from the user's repository to its remote and
 * open a pull request with the run's summary as its body. The repository comes from the run's own
 * input (the first event of its history), so it works on a finished run and on a running one
 * (it pushes what the branch holds so far).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { openPullRequest } from '../github/open-pr';
import { prBody } from '../github/pr-body';
import { escapeControlChars } from '../shared/limits';
import { RepoTargetSchema, type RepoTarget } from '../shared/repo-target';
import type { RunStatus } from '../shared/status';
import type { PrInput, PrResult } from './api-schemas';
import type { Baton } from './connect';
import { BatonError, batonCommand } from './errors';
import { describeRun, getStatus } from './run-info';

/** What `pr` reads from the run's input: its repository, and names for the title. */
interface StartedWith {
  repo?: unknown;
  template?: unknown;
  definition?: { name?: unknown };
}

/** The run's workflow input, decoded with the client's data converter (and its codecs, if any). */
async function runInput(baton: Baton, id: string): Promise<StartedWith> {
  const { runId } = await describeRun(baton, id);
  const page = await baton.client.workflowService.getWorkflowExecutionHistory({
    namespace: baton.namespace,
    execution: { workflowId: id, runId },
    maximumPageSize: 1,
  });
  let payload = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) return {};
  const { payloadConverter, payloadCodecs } = baton.client.options.loadedDataConverter;
  for (const codec of [...payloadCodecs].reverse()) payload = (await codec.decode([payload]))[0] ?? payload;
  const input = payloadConverter.fromPayload<unknown>(payload);
  return typeof input === 'object' && input !== null ? input : {};
}

function repoOf(id: string, input: StartedWith): RepoTarget {
  const shown = escapeControlChars(id);
  if (input.repo === undefined) {
    throw new BatonError(
      `Run "${shown}" was not started with --repo; its work is in its own workspace, not on a branch of your repository.`,
      {
        hint: `Start a run on your repository with \`${batonCommand('start <template> --repo PATH')}\`, then open its pull request.`,
      },
    );
  }
  const parsed = RepoTargetSchema.safeParse(input.repo);
  if (!parsed.success)
    throw new BatonError(`Run "${shown}" has a repository target this client cannot read.`);
  const repo = parsed.data;
  if (!existsSync(repo.path)) {
    const where = repo.host === hostname() ? '' : ` on ${escapeControlChars(repo.host)}`;
    throw new BatonError(
      `Run "${shown}" works on the repository ${escapeControlChars(repo.path)}${where}, which is not on this machine.`,
      { hint: 'Run `baton pr` where that repository is.' },
    );
  }
  return repo;
}

/** Pushes the run's branch and opens its pull request (or reports the open one). */
export async function openRunPullRequest(
  baton: Baton,
  input: PrInput,
  env: Record<string, string | undefined> = process.env,
): Promise<PrResult> {
  const started = await runInput(baton, input.id);
  const repo = repoOf(input.id, started);
  // The body is the run's summary; a run whose status cannot be had now still gets its pull request.
  const status: RunStatus | undefined = await getStatus(baton, input.id).catch(() => undefined);
  const name = [started.template, started.definition?.name].find((v) => typeof v === 'string');
  const body = status
    ? prBody({ runId: input.id, ...status })
    : prBody({
        runId: input.id,
        phases: [],
        note: 'The run did not answer its status query; `baton status` shows it.',
      });
  return openPullRequest({
    repoDir: repo.path,
    branch: repo.branch,
    title: input.title ?? `Baton: ${name ?? 'run'} ${input.id}`,
    body,
    draft: input.draft,
    remote: input.remote,
    base: input.base,
    env,
  });
}
