import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { Definition, Params, PipelineInput } from '../shared/definition';
import { escapeControlChars, formatBytes, jsonBytes, LIMITS, utf8Bytes } from '../shared/limits';
import { WORKFLOW_TYPE } from '../shared/messages';
import { BatonTemplate } from '../shared/search-attributes';
import type { RunSummary } from '../shared/status';
import { validateDefinition } from '../shared/validate';
import type { ArtifactListing, StartInput, StartResult } from './api-schemas';
import type { Baton } from './connect';
import {
  BatonError,
  DefinitionError,
  NoWorkerError,
  RunNotFoundError,
  TooLargeError,
  WorkflowTaskFailingError,
} from './errors';
import { checkNewRunId } from './inputs';
import { localAgents } from './local';
import { getStatus, handleOf } from './run-info';
import { loadTemplate, readDefinitionFile } from './templates';
import { checkWorkerHosts, resolveOutTarget, resolveRepoTarget } from './repo';

export { connect, type Baton, type ConnectOptions } from './connect';
export { decide, type DecideOptions, type DecideOutcome } from './decide';
export type { ArtifactListing, InboxItem, RunListing } from './api-schemas';
export { inbox } from './inbox';
export { cancelRun, getStatus, type EndedState } from './run-info';
export { listRuns, type RunListOptions } from './run-list';
export { FINAL_STATES, isFinalState } from './status-query';

/** The Web UI's summary and details of a run: a line and a paragraph, never the whole definition. */
const UI_TEXT = { summaryChars: 200, detailsChars: 500 } as const;

/** What `prepareRun` and `startRun` take: the API's start input. */
export type StartOptions = StartInput;

/** `<name>-<utc stamp>-<random>`; the name is reduced to safe characters (it may come from a file). */
function defaultRunId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safe =
    name
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'run';
  return `${safe}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

async function resolveDefinition(options: StartOptions): Promise<{ raw: unknown; template?: string }> {
  const given = [options.template, options.file, options.definition].filter((v) => v !== undefined).length;
  if (given !== 1)
    throw new BatonError('Give exactly one of a template name, --file, or a definition object.');
  refuseOversized('params', options.params ?? {});
  if (options.definition !== undefined) return { raw: refuseOversized('definition', options.definition) };
  if (options.file !== undefined)
    return { raw: refuseOversized('definition', await readDefinitionFile(options.file)) };
  return { raw: await loadTemplate(options.template as string), template: options.template };
}

/** Everything a start sends, worked out and checked without a server. */
export interface PreparedRun {
  workflowId: string;
  definition: Definition;
  params: Params;
  template?: string;
  input: PipelineInput;
  staticSummary: string;
  staticDetails?: string;
  /** The start request's payload size in bytes (JSON), checked against LIMITS.payloadBytes. */
  bytes: number;
}

/**
 * Resolves, validates (every problem at once) and sizes a run, offline: `baton validate` is this,
 * and `startRun` sends what it returns. Throws DefinitionError, TooLargeError or a BatonError.
 */
export async function prepareRun(options: StartOptions): Promise<PreparedRun> {
  const { raw, template } = await resolveDefinition(options);
  const checkHere = options.agents === undefined && !options.skipAgentCheck;
  // Given names come without schemas: their inputs are checked by the run, against its worker's.
  const local = checkHere ? await localAgents() : undefined;
  const agents = options.skipAgentCheck ? undefined : (options.agents ?? local?.names);
  const checked = validateDefinition(raw, options.params ?? {}, { agents, agentSchemas: local?.schemas });
  if (!checked.ok) {
    const unknownAgent = checked.problems.some(
      (p) => p.path.endsWith('.agent') && p.message.startsWith('unknown agent'),
    );
    throw new DefinitionError(
      String((raw as { name?: unknown })?.name ?? options.template ?? '(unnamed)'),
      checked.problems,
      checkHere && unknownAgent
        ? "(agents are checked against this machine's baton.config; if the worker has others, pass --skip-agent-check)"
        : undefined,
    );
  }
  const { definition, params } = checked;
  checkNewRunId(options.id);
  const workflowId = options.id ?? defaultRunId(template ?? definition.name);
  const input: PipelineInput = {
    definition,
    params,
    approvalMode: options.approvalMode ?? 'manual',
    template,
    ...(await targetsOf(options, workflowId)),
  };
  // The Web UI's summary and details: short, so the definition travels once (as the input).
  const staticSummary = truncate(
    `${definition.name}: ${definition.phases.map((p) => p.id).join(' → ')}`,
    UI_TEXT.summaryChars,
  );
  const staticDetails = definition.description
    ? truncate(definition.description, UI_TEXT.detailsChars)
    : undefined;
  const bytes = jsonBytes([input]) + utf8Bytes(staticSummary) + utf8Bytes(staticDetails ?? '');
  if (bytes > LIMITS.payloadBytes) {
    throw new TooLargeError(
      `The run's start request is ${formatBytes(bytes)} as JSON; Temporal refuses payloads over ${formatBytes(LIMITS.payloadBytes)}. Make the definition or the params smaller (put large content in files the agents read).`,
    );
  }
  return {
    workflowId,
    definition,
    params,
    template,
    input,
    staticSummary,
    staticDetails,
    bytes,
  };
}

/** `--repo`/`--base` and `--out`/`--force`, checked on this machine. */
async function targetsOf(
  options: StartOptions,
  workflowId: string,
): Promise<Pick<PipelineInput, 'repo' | 'out'>> {
  if (options.base !== undefined && options.repo === undefined) {
    throw new BatonError(
      `--base ${JSON.stringify(options.base)} needs --repo: it names a commit of that repository.`,
    );
  }
  if (options.force && options.out === undefined) {
    throw new BatonError('--force needs --out: it lets the export write into a non-empty directory.');
  }
  return {
    ...(options.repo !== undefined
      ? { repo: await resolveRepoTarget(options.repo, options.base, workflowId) }
      : {}),
    ...(options.out !== undefined
      ? { out: await resolveOutTarget(options.out, options.force ?? false) }
      : {}),
  };
}

/** The hosts of the workers polling the run's task queue for workflow tasks (the workspace's side). */
async function workerIdentities(baton: Baton): Promise<string[]> {
  const { pollers } = await baton.client.workflowService.describeTaskQueue({
    namespace: baton.namespace,
    taskQueue: { name: baton.taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW: the workspace activities are local to the workflow worker
  });
  return (pollers ?? []).map((p) => p.identity ?? '').filter(Boolean);
}

/** Validates (every problem at once) and starts a `pipeline` run. Returns its workflow id. */
export async function startRun(baton: Baton, options: StartOptions): Promise<StartResult> {
  return startPrepared(baton, await prepareRun(options));
}

/** Starts a run `prepareRun` checked: the CLI checks before it connects, then sends. */
export async function startPrepared(baton: Baton, prepared: PreparedRun): Promise<StartResult> {
  const { workflowId, definition, params, template, input, staticSummary, staticDetails } = prepared;
  if (input.repo || input.out) {
    checkWorkerHosts(await workerIdentities(baton), input.repo ? '--repo' : '--out', baton.taskQueue);
  }
  try {
    const handle = await baton.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: baton.taskQueue,
      workflowId,
      args: [input],
      typedSearchAttributes: [{ key: BatonTemplate, value: template ?? definition.name }],
      staticSummary,
      staticDetails,
    });
    return {
      workflowId,
      firstRunId: handle.firstExecutionRunId,
      params,
      ...(input.repo
        ? { branch: { name: input.repo.branch, repo: input.repo.path, commit: input.repo.commit } }
        : {}),
      ...(input.out ? { out: input.out.dir } : {}),
    };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      throw await alreadyExists(baton, workflowId, error);
    throw error;
  }
}

/**
 * Refuses, before it is validated or sent, a value that could never fit in Temporal's payload
 * limit: validating 5 MB would only delay the answer, and the server would retry the start.
 */
function refuseOversized<T>(what: string, value: T): T {
  let bytes: number;
  try {
    bytes = jsonBytes(value);
  } catch {
    return value; // Too deep to serialize: validation names the nesting.
  }
  if (bytes > LIMITS.payloadBytes)
    throw new TooLargeError(
      `The ${what} is ${formatBytes(bytes)} as JSON; Temporal refuses payloads over ${formatBytes(LIMITS.payloadBytes)}, so no run could start with it. Make it smaller (put large content in files the agents read).`,
    );
  return value;
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

async function alreadyExists(baton: Baton, id: string, cause: Error): Promise<BatonError> {
  const existing = await handleOf(baton, id)
    .describe()
    .catch(() => undefined);
  const since = existing
    ? ` (started ${existing.startTime.toISOString().replace(/\.\d+Z$/, 'Z')}, ${existing.status.name.toLowerCase()})`
    : '';
  return new BatonError(
    `A run with id "${escapeControlChars(id)}" already exists${since}; choose another --id, or omit it for a fresh one.`,
    { cause },
  );
}

/** A run's artifacts by phase, from its status (history holds the refs; the store holds the bytes). */
export async function listArtifacts(baton: Baton, id: string, phase?: string): Promise<ArtifactListing[]> {
  const status = await getStatus(baton, id);
  if (phase && !status.phases.some((p) => p.id === phase)) {
    throw new BatonError(
      `Run "${escapeControlChars(id)}" has no phase "${escapeControlChars(phase)}"; phases are: ${status.phases.map((p) => p.id).join(', ')}`,
    );
  }
  return status.phases
    .filter((p) => !phase || p.id === phase)
    .flatMap((p) => (p.artifacts ?? []).map((artifact) => ({ phase: p.id, commit: p.commit, artifact })));
}

/** How often `waitForResult` checks that a worker is there to run the run, until it finds one is not. */
const STALL_CHECK_MS = 3_000;

export interface WaitOptions {
  /**
   * Called once, if while the run has not ended no worker answers it (or its workflow task is
   * failing), with the message `status` would give. The wait goes on: a worker may still come.
   */
  onStall?: (message: string) => void;
  stallCheckMs?: number;
}

/** Waits for the run to end. A failed run raises a BatonError with the failure's message. */
export async function waitForResult(
  baton: Baton,
  id: string,
  options: WaitOptions = {},
): Promise<RunSummary> {
  const { onStall } = options;
  let timer: NodeJS.Timeout | undefined;
  let waiting = true;
  /** The stall check's query in flight: awaited before returning, so the caller may close the
   * connection at once (a retry of that query on a closed channel would throw from a timer). */
  let checking: Promise<unknown> = Promise.resolve();
  const check = () => {
    timer = setTimeout(() => {
      checking = getStatus(baton, id).then(
        () => waiting && check(),
        (error: unknown) => {
          if (!waiting) return;
          if (error instanceof NoWorkerError || error instanceof WorkflowTaskFailingError)
            onStall?.(error.message);
          else check();
        },
      );
    }, options.stallCheckMs ?? STALL_CHECK_MS);
  };
  if (onStall) check();
  try {
    return (await handleOf(baton, id).result()) as RunSummary;
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      const cause = error.cause;
      throw new BatonError(`Run "${escapeControlChars(id)}" failed: ${cause?.message ?? error.message}`, {
        cause: error,
      });
    }
    if (error instanceof WorkflowNotFoundError)
      throw new RunNotFoundError(escapeControlChars(id), baton.namespace, { cause: error });
    throw error;
  } finally {
    waiting = false;
    clearTimeout(timer);
    await checking;
  }
}
